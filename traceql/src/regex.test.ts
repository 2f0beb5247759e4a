import { describe, expect, it } from 'vitest';
import { compileRegex } from './regex.ts';

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
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(compileRegex(pattern).test(text)).toBe(expected);
  });

  it.each(['[', '(', ')', 'a**', '(a)\\1', '(?=a)', '(?!a)', '\\q', '(?U)a'])('rejects %s like RE2', (pattern) => {
    expect(() => compileRegex(pattern)).toThrow();
  });
});
