import t from 'tap';
import { flagOf, parseCommandLine, parseTimeFlag, UsageError, wantsHelp } from '../../src/cli/args.js';

t.test('parseTimeFlag: a date means its midnight UTC; a time needs its offset; anything else is null', async (t) => {
  t.equal(parseTimeFlag('2020-01-01'), '2020-01-01T00:00:00.000Z');
  t.equal(parseTimeFlag('2020-01-01T08:00:00Z'), '2020-01-01T08:00:00.000Z');
  t.equal(parseTimeFlag('2020-01-01T16:00:00+08:00'), '2020-01-01T08:00:00.000Z', 'Beijing time, to UTC');
  t.equal(parseTimeFlag('2020-01-01 08:30Z'), '2020-01-01T08:30:00.000Z', 'a space for T, no seconds');
  t.equal(parseTimeFlag('2024-02-29'), '2024-02-29T00:00:00.000Z', 'a leap day');
  for (const bad of ['yesterday', '', '2020-1-1', '2023-02-29', '2020-13-01', '2020-01-32', '2020-01-01T08:00:00', '2020-01-01T25:00:00Z', '1577836800']) {
    t.equal(parseTimeFlag(bad), null, `${JSON.stringify(bad)} is refused`);
  }
});

t.test('parseCommandLine: node parseArgs refusals become one plain line naming the flag', async (t) => {
  const options = { out: { type: 'string' }, 'dry-run': { type: 'boolean' } } as const;
  const refusal = (args: string[], allowPositionals = false) => {
    try {
      parseCommandLine({ args, options, allowPositionals });
      return 'accepted';
    } catch (error) {
      t.type(error, UsageError);
      return (error as Error).message;
    }
  };
  t.equal(refusal(['--bogus']), 'unknown option --bogus');
  t.equal(refusal(['--bogus'], true), 'unknown option --bogus', 'without the hint about positionals');
  t.equal(refusal(['stray']), 'unexpected argument stray');
  t.equal(refusal(['--out']), '--out needs a value');
  t.equal(refusal(['--out', '--dry-run']), '--out needs a value (one that starts with - is given as --out=-…)');
  t.equal(refusal(['--dry-run=yes']), '--dry-run takes no value');
  t.equal(refusal(['--out', '-']), 'accepted', '- (stdout) is a value');
  t.throws(() => parseCommandLine({ args: [], options: { x: { type: 'nope' as 'string' } } }), TypeError, 'a mistake in the options themselves is not a usage error');
});

t.test('wantsHelp and flagOf', async (t) => {
  t.ok(wantsHelp(['create', '--help']));
  t.ok(wantsHelp(['-h']));
  t.notOk(wantsHelp(['--', '--help']), 'after -- it is a file name');
  t.notOk(wantsHelp(['--helpful']));
  t.equal(flagOf('batchSize'), '--batch-size');
  t.equal(flagOf('mode'), '--mode');
});
