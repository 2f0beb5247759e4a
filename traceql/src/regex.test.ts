import { describe, expect, it } from 'vitest';
import { compileRegex, regexLiteral } from './regex.ts';

describe('RE2 regexes', () => {
  it.each<[string, string, boolean]>([
    ['G.*', 'GET', true],
    ['E', 'GET', false],
    ['a|b', 'a', true],
    ['a|b', 'ab', false],
    ['(?i)get', 'GET', true],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?P<x>a)b', 'ab', true],
    ['[[:alpha:]]+', 'abc', true],
    ['[[:digit:]]+', 'ab', false],
    ['\\Q.*\\E', '.*', true],
    ['\\Q.*\\E', 'ab', false],
    ['\\d+\\s\\w', '12 a', true],
    ['a{2}', 'aa', true],
    ['a{', 'a{', true],
    ['[]a]', ']', true],
    ['\\-\\_\\:', '-_:', true],
    ['\\pL+', 'héllo', true],
    ['\\p{Greek}', 'λ', true],
    ['\\x41\\x{42}', 'AB', true],
    ['\\101', 'A', true],
    ['/api/v[0-9]+/.*', '/api/v2/users', true],
    ['a(?i)b', 'aB', true],
    ['a(?i)b', 'AB', false],
    ['a(?i)b|c', 'C', true],
    ['a(?i)b|c', 'ac', false],
    ['(a(?i)b)c', 'aBc', true],
    ['(a(?i)b)c', 'aBC', false],
    ['(?i:a)b', 'Ab', true],
    ['(?i)a(?-i)b', 'AB', false],
    // RE2 semantics beyond the JavaScript translation this engine replaced.
    ['a.c', 'a\rc', true],
    ['(?s:.)', '\n', true],
    ['(?m)a$\n^b', 'a\nb', true],
    ['a$b', 'ab', false],
    ['\\bfoo\\b', 'foo', true],
    ['a\\Bb', 'ab', true],
    ['\\Aab\\z', 'ab', true],
    ['.', '😀', true],
    ['..', '😀', false],
    ['\\x{1F600}+', '😀😀', true],
    ['\\Qa.\\E*', 'a..', true],
    ['\\Qab\\E*', 'abab', false],
    ['a*?', 'aaa', true],
    ['a{2,3}', 'aaaa', false],
    ['a{2,}', 'aaaaa', true],
    ['a{,2}', 'a{,2}', true],
    ['(?i)k', 'K', true],
    ['(?i)[a-c]+', 'ABC', true],
    ['[^a]', '\n', true],
    ['\\W', '\n', true],
    ['\\s', '\u00a0', false],
    ['(?P<year>\\d{4})-(?<m>\\d\\d)', '2024-05', true],
    ['\\pN', '٣', true],
    ['\\p{^Greek}', 'a', true],
    ['\\PL', '1', true],
    ['[\\d\\s]+', '1 2', true],
    ['', '', true],
    ['', 'a', false],
    ['a|', '', true],
    ['(a*)*', 'aaa', true],
    ['(a|b)*c', 'ababc', true],
    ['(^)*a', 'a', true],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(compileRegex(pattern).test(text)).toBe(expected);
  });

  it.each([
    '[', '(', ')', 'a**', '(a)\\1', '(?=a)', '(?!a)', '\\q', '(?U)a', 'a{1001}', 'x{2,1}', '(?P<a>x)(?P<a>y)', '\\8', '(?P=n)',
    '*a', 'a|*', '\\p{Foo}', '[z-a]', '\\x{110000}', '(?i', '[[:foo:]]', '[\\S]', 'a*??', '(?i)*', '(?)', '(?i-)', '^*',
  ])('rejects %s like RE2', (pattern) => {
    expect(() => compileRegex(pattern)).toThrow();
  });

  it.each<[string, RegExp]>([
    ['(a)\\1', /backreferences are not supported/],
    ['(?<=a)b', /lookaround is not supported/],
    ['(?<!a)b', /lookaround is not supported/],
    ['a{1001}', /invalid repeat count/],
    ['a**', /invalid nested repetition operator/],
    ['(a{100}){200}', /expression too large/],
    ['('.repeat(1001) + ')'.repeat(1001), /expression nests too deeply/],
  ])('says why it rejects %s', (pattern, message) => {
    expect(() => compileRegex(pattern)).toThrow(message);
  });
});

describe('regexLiteral', () => {
  it('gives the longest literal every match contains, wherever it stands', () => {
    expect(regexLiteral('.*/needle-[0-9]+')).toBe('/needle-');
    expect(regexLiteral('foo.*barbaz')).toBe('barbaz');
    expect(regexLiteral('GET .*')).toBe('GET ');
    expect(regexLiteral('[a-z]+')).toBe('');
    expect(regexLiteral('a|b')).toBe('');
    for (const [p, s] of [['.*/needle-[0-9]+', '/api/needle-42'], ['foo.*barbaz', 'foo-barbaz'], ['GET .*', 'GET /x']] as const) expect(compileRegex(p).test(s) && s.includes(regexLiteral(p))).toBe(true);
  });
});
