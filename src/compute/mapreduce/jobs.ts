/**
 * The registry of built-in jobs, keyed by kind: the one place that lists them. Each entry is
 * the job's definition from its own module; the mapped type makes the compiler check that
 * every kind has one, with that job's own spec, part, partial and result types.
 */
import { grepJob } from './grep.js';
import { indexJob } from './inverted-index.js';
import type { MapReduceJobDefinition } from './job-definition.js';
import { lettersJob } from './letters.js';
import { sumByKeyJob } from './sum-by-key.js';
import type {
  GrepJob,
  GrepPart,
  GrepPartial,
  GrepResult,
  IndexJob,
  IndexResult,
  IndexRun,
  JobKind,
  LettersJob,
  LettersPart,
  LettersResult,
  SumByKeyJob,
  SumByKeyResult,
  SumByKeyRun,
  WordCountJob,
  WordCountPart,
  WordCountPartial,
  WordCountResult,
} from './types.js';
import { wordCountJob } from './wordcount.js';

interface JobTypes {
  wordcount: MapReduceJobDefinition<WordCountJob, WordCountPart, WordCountPartial, WordCountResult>;
  letters: MapReduceJobDefinition<LettersJob, LettersPart, LettersResult, LettersResult>;
  index: MapReduceJobDefinition<IndexJob, IndexRun, IndexRun, IndexResult>;
  grep: MapReduceJobDefinition<GrepJob, GrepPart, GrepPartial, GrepResult>;
  sumbykey: MapReduceJobDefinition<SumByKeyJob, SumByKeyRun, SumByKeyRun, SumByKeyResult>;
}

export const jobDefinitions: { readonly [K in JobKind]: JobTypes[K] } = {
  wordcount: wordCountJob,
  letters: lettersJob,
  index: indexJob,
  grep: grepJob,
  sumbykey: sumByKeyJob,
};
