import { describeBlockFormat } from '../testing/block-suite.ts';

// Small row groups and pages so the suite's blocks have many of both: lookups then cross row-group
// and page boundaries, and the 300-span trace gets a row group of its own.
describeBlockFormat('sb1', { rowGroupSpans: 40, pageSizeBytes: 1024 });
describeBlockFormat('sb1', {});
