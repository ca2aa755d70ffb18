/**
 * Routes an `/ask` prompt to Llama 4 Scout (local, cheap) or Llama 4 Maverick
 * (rented pod, strong). Pure: the caller passes the team's state in.
 *
 * Auto mode scores the prompt with weighted signals. Heavy families follow the
 * published Scout-vs-Maverick comparisons (multi-step math, complex code and
 * debugging, long documents, strict output formats, tool/agent plans); light
 * families (chat, lookups, explanations, translation, rewording, summaries of
 * short text, short code) pull the score down, because sending a light prompt to
 * Maverick costs money and minutes for no better answer. See docs/ROUTING.md.
 */
import { UserError } from '../errors.ts';

export type Target = 'scout' | 'maverick';
export type Requested = 'auto' | 'scout' | 'maverick';

/** The team's state that the router needs, passed in by the `/ask` command. */
export interface RouteState {
  requested: Requested;
  maverick: {
    /** Maverick endpoint configured at all. */
    configured: boolean;
    /** Expected wait before Maverick starts this job, seconds (queue + pod start). */
    expectedWaitSeconds: number;
    /** In auto, above this wait a heavy prompt still goes to Scout (unless it is very heavy and the wait is below 2x). */
    maxWaitSeconds: number;
    /** Estimated extra cost of answering on Maverick rather than Scout, USD (informational, shown in the reason). */
    extraCostUsd?: number;
  };
  /** Seam for budgets (a later issue): when false, auto goes to Scout and says why; explicit maverick is refused. */
  budget?: { maverickAllowed: boolean; reason?: string };
}

/** Where a prompt goes and why, in one sentence a user can read. */
export interface RouteDecision {
  target: Target;
  /** One sentence for users, e.g. "auto → Maverick: multi-step math (prove, step by step) and a strict output format (JSON schema)". */
  reason: string;
  /** Heavy-signal score used by auto; threshold exported as HEAVY_THRESHOLD. */
  heavyScore: number;
  /** Names of the signals that fired, e.g. ['math', 'strict-format', 'long-document']. */
  signals: string[];
}

/** One piece of evidence about a prompt: positive weight pushes towards Maverick, negative towards Scout. */
export interface PromptSignal {
  name: string;
  weight: number;
  /** The text that fired the signal (matched words, a line count, a token estimate). */
  evidence: string;
}

/** Auto sends a prompt to Maverick when the summed signal weight reaches this score (unitless). */
export const HEAVY_THRESHOLD = 2.5;

/** A prompt scoring at least this (unitless) may wait up to twice `maxWaitSeconds` for Maverick in auto. */
export const VERY_HEAVY_THRESHOLD = 6;

/** Tokens are estimated as characters ÷ 4, the usual rule of thumb for English text with Llama tokenizers. */
const CHARS_PER_TOKEN = 4;

type Family =
  | 'math'
  | 'code'
  | 'long-document'
  | 'strict-format'
  | 'tool-plan'
  | 'multi-step'
  | 'constraints'
  | 'requirements'
  | 'detailed';

/** How each heavy family reads in a user-facing reason. */
const FAMILY_LABEL: Record<Family, string> = {
  math: 'multi-step math',
  code: 'complex code or debugging',
  'long-document': 'long-document analysis',
  'strict-format': 'a strict output format',
  'tool-plan': 'a multi-step tool/agent plan',
  'multi-step': 'step-by-step work',
  constraints: 'many constraints',
  requirements: 'a list of requirements',
  detailed: 'a detailed request',
};

/**
 * A keyword family: the first distinct match weighs `first`, each further
 * distinct match `extra`, capped at `max`, so one family cannot carry a prompt
 * on repetition alone.
 */
interface KeywordRule {
  name: string;
  pattern: RegExp;
  first: number;
  extra: number;
  max: number;
  /** Matched against the prose only (default), or the whole prompt including code. */
  scope?: 'prose' | 'whole';
  /** Only applies when the rule's condition on the prompt's shape holds. */
  when?: (shape: Shape) => boolean;
}

interface Shape {
  whole: string;
  prose: string;
  proseChars: number;
  codeLines: number;
}

/** Builds a case-insensitive global pattern matching any alternative as whole words. */
function anyOf(alternatives: readonly string[]): RegExp {
  return new RegExp(`(?<![\\w-])(?:${alternatives.join('|')})(?![\\w-])`, 'gi');
}

const LANGUAGES =
  '(?:english|french|german|spanish|italian|portuguese|dutch|polish|swedish|japanese|chinese|mandarin|korean|russian|arabic|hindi|turkish|ukrainian)';

/** Short prompts of these kinds are light unless something structural says otherwise. */
const SHORTISH_PROSE_CHARS = 1200;

const HEAVY_RULES: readonly KeywordRule[] = [
  {
    name: 'math',
    pattern: anyOf([
      'prove',
      'proving',
      'disprove',
      'show that',
      'demonstrate that',
      'derive',
      'derivation',
      'justify (?:each|every|all|your|it)',
      'rigorous(?:ly)?',
      'formal proof',
    ]),
    first: 2.5,
    extra: 0.5,
    max: 3,
  },
  {
    name: 'math',
    pattern: anyOf([
      'how many ways',
      "what(?:'s| is) the (?:probability|expected)",
      'probability (?:that|of)',
      'expected (?:number|value|time|cost|wait|length)',
      'show (?:the|your) (?:derivation|linear system|system|equations?)',
      'in expectation',
      'closed[- ]form',
      'asymptotic(?:ally)?',
      'solve (?:it|the|this|for)',
      'find all',
      'minimi[sz]e',
      'maximi[sz]e',
      'subject to',
      '(?:integer )?linear program(?:ming)?',
      'inclusion[- ]exclusion',
    ]),
    first: 1.5,
    extra: 0.5,
    max: 2.5,
  },
  {
    name: 'math',
    pattern: anyOf([
      'integra(?:l|ls|te|tion)',
      'derivatives?',
      'eigen\\w*',
      'determinant',
      'matri(?:x|ces)',
      'polynomials?',
      'theorem',
      'lemma',
      'corollary',
      'inequalit(?:y|ies)',
      'recurrences?',
      'induction',
      'modulo',
      'mod \\d+',
      'congruent',
      'primes?',
      'irrational',
      'gcd',
      'convergen(?:t|ce)',
      'converges?',
      'variance',
      'distribution',
      'poisson',
      'binomial',
      'combinatori\\w*',
      'permutations?',
      'bayes\\w*',
      'lagrang\\w*',
      'differential equations?',
      'gradient',
      'hessian',
      'convex(?:ity)?',
      'jensen',
      'logarithms?',
      'sqrt',
      'factorial',
      'master theorem',
      'markov',
      'dice',
      'fair (?:die|coin)',
      'coin (?:flips?|tosses)',
      'random variables?',
      'least[- ]squares',
      'normal equations',
      'vertices',
      'bipartite',
      'planar',
      'spanning trees?',
      'generating functions?',
      'absorption',
      'stationary',
      'linear system',
      'big-o',
      'vector space',
      'orthogonal',
      'symmetric',
    ]),
    first: 1,
    extra: 0.5,
    max: 2.5,
  },
  {
    name: 'multi-step',
    pattern: anyOf([
      'step[- ]by[- ]step',
      'show (?:your|the|all|every) (?:work|working|steps?)',
      'showing (?:every|all|each|your) (?:step|steps|work)',
      'work (?:it )?through',
      'walk me through',
      'double-check',
      '(?:each|every) step',
    ]),
    first: 1,
    extra: 0.5,
    max: 1.5,
  },
  {
    name: 'code',
    pattern: anyOf([
      'deadlocks?',
      'deadlock(?:ed|ing)',
      'all goroutines are asleep',
      'race conditions?',
      'data races?',
      'racy',
      'memory leaks?',
      'leak(?:s|ing)?',
      'segfaults?',
      'segmentation fault',
      'use[- ]after[- ]free',
      'double free',
      'heap corruption',
      'undefined behaviou?r',
      'livelock',
      'starvation',
      'heisenbug',
      'intermittent(?:ly)?',
      'flaky',
      'non-?deterministic',
      'only (?:in|on) (?:prod|production|ci)',
      'under load',
      'concurren(?:t|cy)',
      'thread[- ]safe',
      'multi-?threaded',
      'lock[- ]free',
      'atomic(?:ally|ity)?',
      'borrow ?checker',
      'mutex(?:es)?',
      'goroutines?',
      'hangs?(?: forever)?',
      'invalid (?:write|read)',
      'valgrind',
      'Send \\+ Sync',
      '\\w+ModificationException',
      'BorrowMutError',
      'exactly-once',
      'at-least-once',
      'duplicate (?:processing|delivery|messages?|jobs?|events?)',
      'rebalanc\\w*',
      'shared (?:mutable )?state',
      'in parallel',
      'consensus',
      'raft',
      'paxos',
      'leader election',
      '(?:log )?replication',
      '(?:network )?partitions',
      'distributed (?:lock|transaction|system)s?',
      'linearizab\\w*',
      'eventual(?:ly)? consisten\\w*',
      'file descriptors?',
      'circular (?:import|dependency|dependencies)',
      'import cycle',
      'in a cycle',
    ]),
    first: 2,
    extra: 0.5,
    max: 3,
    // Pasted error output usually sits in a fence, and it names the failure ("deadlock!").
    scope: 'whole',
  },
  {
    name: 'code',
    pattern: anyOf([
      'find (?:the|all|every|any) (?:bugs?|issues?|problems?|memory bugs)',
      'debug(?:ging)?',
      'root cause',
      "what(?:'s| is) (?:going on|wrong|the actual)",
      'figure out',
      'crash(?:es|ing)?',
      'fail(?:s|ing)?',
      'regression',
      'stack ?trace',
      'refactor(?:ing)?',
    ]),
    first: 1,
    extra: 0.5,
    max: 1.5,
  },
  {
    // Building something with parts (a parser, a service, tests) is interdependent code; a lone function is not.
    name: 'code',
    pattern:
      /(?<![\w-])(?:implement|build|design|redesign|architect|develop|port|refactor|rewrite|restructure|create|write|convert)(?![\w-])[^.?!\n]{0,200}?(?<![\w-])(?:complete|full|entire|production[- ]ready|end[- ]to[- ]end|from scratch|tests?|test suite|unit tests|parser|interpreter|compiler|evaluator|engine|scheduler|rate[- ]limiter|cache|server|service|api|backend|framework|library|modules?|middleware|to (?:pure |idiomatic |modern )?(?:typescript|javascript|python|rust|go|golang|java|kotlin|swift|c\+\+|c#|scala|elixir))(?![\w-])/gi,
    first: 1.5,
    extra: 0.5,
    max: 2,
  },
  {
    name: 'long-document',
    pattern:
      /(?<![\w-])(?:\d+[- ]pages?|\d+ pages|entire|whole|full|complete|both|these (?:two|three|\d+)|all (?:the )?\d+)\s+(?:[\w-]+\s+){0,2}(?:documents?|reports?|contracts?|papers?|transcripts?|polic(?:y|ies)|proposals?|questionnaires?|threads?|exports?|codebase|repo(?:sitory)?|books?|spec(?:ification)?s?|msa|dpa|agreements?|manuals?|minutes|rfcs?|handbooks?)(?![\w-])/gi,
    first: 2,
    extra: 0.5,
    max: 2.5,
  },
  {
    name: 'long-document',
    pattern: anyOf([
      'compare (?:both|these|the two|them)',
      'cross[- ](?:check|reference)',
      'map every',
      'section by section',
      'contradict\\w*',
      'inconsistenc(?:y|ies)',
      'discrepanc(?:y|ies)',
      'clauses?',
      'obligations?',
      'critique',
      'methodology',
      'design flaws?',
      'timeline',
      'extract (?:every|all|each)',
      'every (?:decision|action item|clause|item)',
      'action items?',
      'unresolved',
      'evolved',
    ]),
    first: 1,
    extra: 0.5,
    max: 2,
  },
  {
    name: 'strict-format',
    pattern: anyOf([
      'json[- ]?schemas?',
      'openapi(?: \\d(?:\\.\\d)?)?',
      'swagger',
      'protobuf',
      'proto3',
      'avro',
      'xsd',
      'xs:\\w+',
      'typescript type',
      'block kit',
      'icalendar',
      'rfc ?\\d{3,5}',
      'iso ?8601',
      'semver(?: \\d\\.\\d\\.\\d)?',
      'draft[- ]\\d{4}-\\d{2}',
      'additionalProperties',
      'actionlint',
      'spectral',
      'graphql',
      'sdl',
      'relay',
    ]),
    first: 1.5,
    extra: 0.5,
    max: 2,
  },
  {
    name: 'strict-format',
    pattern: anyOf([
      'only (?:output|return|respond|reply|print|give)',
      '(?:return|output|respond with) only',
      'output (?:only|nothing but)',
      'nothing (?:else|but)',
      'no (?:other|extra|additional) (?:text|keys|fields|prose|commentary|columns|elements|output)',
      'no (?:prose|markdown|commentary|explanations?|trailing commas)',
      'no markdown fences',
      'strictly',
      'exactly (?:these|this|the following|like)',
      'exactly the keys',
      '(?:must|has to|have to|needs? to) (?:match|validate|conform|pass|be valid|follow)',
      '(?:that )?match(?:es|ing)? (?:this|the following|the) schema',
      'validat(?:e|es|ing) against',
      '(?:must|should|has to) be in (?:the|this) (?:exact )?order',
      'conform(?:s|ing)? (?:exactly )?to',
      'valid (?:json|yaml|xml|csv|toml)',
      'in this (?:exact )?(?:order|format)',
      'this (?:exact )?format',
      '(?:keep|preserve) (?:the )?(?:element |key |input |column )?order',
      "don'?t add or drop",
      'one (?:row|block|line|element) per',
      '(?:follow(?:ing)?|per|according to) the [\\w ]{0,30}spec(?:ification)? exactly',
    ]),
    first: 1.5,
    extra: 0.75,
    max: 3,
  },
  {
    name: 'strict-format',
    pattern: anyOf(['json', 'yaml', 'csv', 'xml', 'toml', 'markdown table']),
    first: 0.5,
    extra: 0,
    max: 0.5,
  },
  {
    name: 'tool-plan',
    pattern: anyOf([
      'you (?:have|can) (?:access to|call|use)',
      'you can call',
      '(?:available|these|the following) tools',
      'tools?:',
      'given (?:the )?tools',
      'function[- ]calling',
      'tool[- ]call(?:s|ing)?',
      'tool use',
    ]),
    first: 2,
    extra: 0.5,
    max: 2.5,
  },
  {
    name: 'tool-plan',
    pattern: anyOf([
      'agents?',
      'agentic',
      'autonomous(?:ly)?',
      'orchestrat\\w*',
      'workflow',
      'runbook',
      'playbook',
      'job graph',
      'dag',
      'sub-?tasks?',
      'multi-step',
      'plan (?:it|this|out|the|a|how)',
      'plan (?:the|out the|all the) steps',
      'step-by-step (?:plan|runbook)',
      'sequence of',
      'order of operations',
      'in (?:what|which) order',
      'dependencies between',
      'roll ?back',
      'cut ?over',
      'zero[- ]downtime',
      'without downtime',
      'idempoten\\w*',
      'escalat\\w*',
      'retr(?:y|ies)',
      'failure handling',
      'recover(?:s|y)?',
      'branching',
      'if (?:any|a|that) step fails',
      'fails halfway',
    ]),
    first: 1.5,
    extra: 0.5,
    max: 3,
  },
];

const LIGHT_RULES: readonly KeywordRule[] = [
  {
    name: 'chat',
    pattern:
      /^\s*(?:hi|hey|hello|yo|sup|good (?:morning|afternoon|evening)|thanks|thank you|thx|ty|lol|haha|cheers)(?![\w-])|(?<![\w-])(?:how'?s it going|how are you|anyone (?:alive|around|here)|tell me a joke|joke about|recommend (?:a|an|me)|what should i (?:name|cook|eat|watch|read)|you'?re (?:the best|great|awesome)|i'?m bored|say something|tabs or spaces)(?![\w-])/gi,
    first: -2,
    extra: 0,
    max: -2,
    when: (s) => s.proseChars < SHORTISH_PROSE_CHARS && s.codeLines === 0,
  },
  {
    name: 'explanation',
    pattern:
      /^\s*(?:(?:can|could) you |please )?(?:explain|eli5|what(?:'s| is| are| does| do)|how (?:does|do|is|are)|why (?:is|are|does|do)|difference between|define|describe|what's the (?:difference|intuition|point))(?![\w-])/gi,
    first: -1.5,
    extra: 0,
    max: -1.5,
    when: (s) => s.proseChars < 200 && s.codeLines < 8,
  },
  {
    // Asking for the simple version marks an explanation wherever it sits in a short prompt.
    name: 'explanation',
    pattern: anyOf([
      'in simple terms',
      'simply put',
      "like i'?m (?:five|5|a \\w+)",
      'for a beginner',
      '(?:a|some) simple example',
      'intuitively',
      'the intuition',
      'at a high level',
      'briefly',
      'in a nutshell',
    ]),
    first: -1,
    extra: 0,
    max: -1,
    when: (s) => s.proseChars < 300 && s.codeLines === 0,
  },
  {
    name: 'lookup',
    pattern:
      /^\s*(?:who|when|where|which|what year|how (?:much|many|old|far|long|tall|big))(?![\w-])|(?<![\w-])(?:capital of|default port|population of|speed of|stand for|ceo of|release date|released)(?![\w-])|^(?:what(?:'s| is)|calculate|compute)?[\d\s+\-*/×^%.(),]+(?:of [\d.,]+)?\??$/gi,
    first: -1.5,
    extra: 0,
    max: -1.5,
    when: (s) => s.proseChars < 120 && s.codeLines === 0,
  },
  {
    name: 'translation',
    pattern: new RegExp(
      `(?<![\\w-])(?:translat(?:e|ion)|traduce|traduis|traduzca|übersetze|how do (?:you|i) say|(?:in|to|into) ${LANGUAGES}|what does .{1,60} mean in ${LANGUAGES})(?![\\w-])`,
      'gi',
    ),
    first: -2,
    extra: 0,
    max: -2,
  },
  {
    name: 'rewording',
    pattern: anyOf([
      'rephrase',
      'reword',
      'paraphrase',
      'proofread',
      'fix (?:the )?(?:grammar|typos?|spelling|wording)',
      'make (?:this|it) (?:more|less|sound|shorter|friendlier|concise|polite|professional|clearer)',
      'sound (?:more|less)',
      'shorten',
      'rewrite (?:this|the following|my) (?:email|message|paragraph|sentence|text|announcement|post|bio|tweet|slack|intro|update)\\w*',
    ]),
    first: -2,
    extra: 0,
    max: -2,
    when: (s) => s.proseChars < SHORTISH_PROSE_CHARS && s.codeLines === 0,
  },
  {
    name: 'summary',
    pattern: anyOf([
      'summari[sz]e',
      '(?:a|short|quick|brief|one-line|\\d-bullet|bullet) summary',
      'summary of (?:this|the following|these)',
      'tl;?dr',
      'sum up',
      'gist',
      'key points',
      'recap',
      'in (?:one|a|1) (?:line|sentence)',
      'in (?:two|three|\\d) (?:bullets|sentences)',
    ]),
    first: -1.5,
    extra: 0,
    max: -1.5,
    when: (s) => s.proseChars < SHORTISH_PROSE_CHARS && s.codeLines < 8,
  },
  {
    name: 'short-code',
    pattern:
      /^\s*(?:how (?:do|can) i|how to|write (?:a|an|me a)|give me (?:a|an)|[\w#+.]+:)\s.*(?<![\w-])(?:function|one-?liner|snippet|regex|query|command|sql|bash|script|loop|object|array|string|list|dict|div|css|commit|branch)s?(?![\w-])/gis,
    first: -1,
    extra: 0,
    max: -1,
    when: (s) => s.proseChars < 200 && s.codeLines < 8,
  },
];

/** Splits fenced code from prose and counts code lines, including unfenced pasted code. */
function shapeOf(prompt: string): Shape {
  const proseParts: string[] = [];
  let codeLines = 0;
  const fenced = prompt.split('```');
  for (const [index, part] of fenced.entries()) {
    if (index % 2 === 1) {
      codeLines += part.split('\n').filter((line) => line.trim() !== '').length;
    } else {
      proseParts.push(part);
    }
  }
  const prose = proseParts.join('\n').trim();
  // Code pasted without fences still shows itself by braces, semicolons and keywords at line starts.
  const unfencedCodeLines = prose
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(
      (line) =>
        /[;{]$/.test(line) ||
        /^\s*(?:def |class |fn |func |function |import |from \S+ import|#include|public |private |return\b|const |let |var |if\s*\(|for\s*\(|while\s*\(|[})\]];?$)/.test(
          line,
        ),
    ).length;
  if (unfencedCodeLines >= 5) codeLines += unfencedCodeLines;
  return { whole: prompt, prose, proseChars: prose.length, codeLines };
}

/** Distinct matches of a rule, in order, compared case-insensitively. */
function distinctMatches(pattern: RegExp, text: string): string[] {
  const seen = new Map<string, string>();
  for (const match of text.matchAll(pattern)) {
    const found = match[0].trim().replace(/\s+/g, ' ');
    const key = found.toLowerCase();
    if (found !== '' && !seen.has(key)) seen.set(key, found.length > 40 ? `${found.slice(0, 37)}…` : found);
  }
  return [...seen.values()];
}

function keywordSignal(rule: KeywordRule, shape: Shape): PromptSignal | undefined {
  if (rule.when && !rule.when(shape)) return undefined;
  const found = distinctMatches(rule.pattern, rule.scope === 'whole' ? shape.whole : shape.prose);
  if (found.length === 0) return undefined;
  const raw = rule.first + rule.extra * (found.length - 1);
  const weight = rule.first >= 0 ? Math.min(raw, rule.max) : Math.max(raw, rule.max);
  return { name: rule.name, weight, evidence: found.slice(0, 3).join(', ') };
}

/** Signals from the prompt's structure: pasted length, code, stack traces, notation, lists. */
function structuralSignals(prompt: string, shape: Shape): PromptSignal[] {
  const signals: PromptSignal[] = [];
  const tokens = Math.round(shape.proseChars / CHARS_PER_TOKEN);

  // Pasted text: past ~300 tokens it is a document to analyse, not a question.
  const lengthSteps: readonly [minChars: number, weight: number, name: Family][] = [
    [6000, 4, 'long-document'],
    [3500, 3.5, 'long-document'],
    [2000, 3, 'long-document'],
    [1200, 2, 'long-document'],
    [500, 1, 'detailed'],
    [250, 0.5, 'detailed'],
  ];
  const step = lengthSteps.find(([minChars]) => shape.proseChars >= minChars);
  if (step) signals.push({ name: step[2], weight: step[1], evidence: `~${tokens} tokens of text` });

  // A stated size ("about 5,000 words") stands in for a document the user will attach or has summarised.
  const statedSize = /(?<![\w-])(\d[\d,]*)\s*(k)?[\s-]*(?:words?|tokens?)(?![\w-])/i.exec(shape.prose);
  const statedCount = statedSize ? Number(statedSize[1]?.replaceAll(',', '')) * (statedSize[2] ? 1000 : 1) : 0;
  if (statedSize && statedCount >= 1000) {
    signals.push({ name: 'long-document', weight: 2, evidence: statedSize[0] });
  }

  const codeSteps: readonly [minLines: number, weight: number][] = [
    [60, 3.5],
    [30, 3],
    [15, 2],
    [8, 1],
  ];
  const codeStep = codeSteps.find(([minLines]) => shape.codeLines >= minLines);
  if (codeStep) signals.push({ name: 'code', weight: codeStep[1], evidence: `${shape.codeLines} lines of code` });

  const codeSize = /(?<![\w-])(\d{2,})[- ]lines?(?![\w-])/i.exec(shape.prose);
  if (codeSize?.[1] && Number(codeSize[1]) >= 50) {
    signals.push({ name: 'code', weight: 1.5, evidence: codeSize[0] });
  }

  const stackTrace =
    /Traceback \(most recent call last\)|^[ \t]+at \S+ \(.*:\d+(?::\d+)?\)|^[ \t]+at [\w$.<>/]+\([\w$.]+\.(?:java|kt|scala):\d+\)|panicked at|Exception in thread|error\[E\d{4}\]|Segmentation fault|core dumped|goroutine \d+ \[|SIGSEGV|^[ \t]*File ".+", line \d+/m.exec(
      prompt,
    );
  if (stackTrace) signals.push({ name: 'code', weight: 1.5, evidence: 'stack trace' });

  // Equations and notation written in prose: exponents, operators between variables, math symbols.
  const notation = shape.prose.match(
    /[∑∫√≤≥≠∞π∀∃∈]|\\(?:frac|sum|int|sqrt)|(?<![\w])[a-z]\s*\^\s*[\d{a-z(]|(?<![\w])\d*[a-z]\s*[+\-*/]\s*\d*[a-z](?![\w])|(?<![\w])[a-zA-Z]\([a-z/\d ]+\)\s*=|\|\|?[a-z]\|?\|/g,
  );
  if (notation && notation.length > 0) {
    signals.push({
      name: 'math',
      weight: notation.length >= 3 ? 1.5 : 0.5,
      evidence: `notation ${[...new Set(notation)].slice(0, 3).join(' ')}`,
    });
  }

  const constraintWords = shape.prose.match(
    /(?<![\w-])(?:must(?: not)?|mustn't|should(?:n't)?|never|always|ensure|make sure|exactly|at (?:most|least)|no more than|no less than|without|keep|don'?t|do not|can'?t|has to|have to|needs? to|required?|strictly|every|each)(?![\w-])/gi,
  );
  const constraintCount = constraintWords?.length ?? 0;
  if (constraintCount >= 3) {
    signals.push({
      name: 'constraints',
      weight: constraintCount >= 8 ? 2 : constraintCount >= 5 ? 1.5 : 1,
      evidence: `${constraintCount} constraint words`,
    });
  }

  const listItems = shape.prose.match(/^[ \t]*(?:\d+[.)]|[-*•]|[a-z][.)])[ \t]+\S/gm)?.length ?? 0;
  if (listItems >= 3) {
    signals.push({ name: 'requirements', weight: listItems >= 6 ? 1 : 0.5, evidence: `${listItems} list items` });
  }

  // A request that lists many parts in its sentences (commas, "and", semicolons) is a specification, not a question.
  const enumerators = shape.prose.match(/,|;|(?<![\w-])and(?![\w-])/gi)?.length ?? 0;
  if (enumerators >= 6 && shape.proseChars < SHORTISH_PROSE_CHARS) {
    signals.push({ name: 'requirements', weight: 1, evidence: `${enumerators} listed parts` });
  }

  const sequenceWords =
    shape.prose.match(/(?<![\w-])(?:first|then|next|after that|afterwards|finally)(?![\w-])/gi)?.length ?? 0;
  if (sequenceWords >= 3) {
    signals.push({ name: 'multi-step', weight: 1, evidence: `${sequenceWords} sequence words` });
  }

  // Two or more function signatures in prose (search_docs(query)) are a tool list for an agent.
  const toolSignatures = distinctMatches(/(?<![\w.])[a-z]+(?:_[a-z]+)+\([^()\n]{0,60}\)/g, shape.prose);
  if (toolSignatures.length >= 2) {
    signals.push({ name: 'tool-plan', weight: 1.5, evidence: toolSignatures.slice(0, 3).join(', ') });
  }

  if (shape.proseChars < 100 && shape.codeLines === 0) {
    signals.push({ name: 'short', weight: -1, evidence: `${shape.proseChars} characters` });
  }
  return signals;
}

/**
 * Every signal that fires on a prompt, heavy ones with positive weight and light
 * ones with negative weight; their sum is the heavy score. Never throws.
 */
export function promptSignals(prompt: string): PromptSignal[] {
  const shape = shapeOf(prompt);
  const keyword = [...HEAVY_RULES, ...LIGHT_RULES]
    .map((rule) => keywordSignal(rule, shape))
    .filter((signal): signal is PromptSignal => signal !== undefined);
  return [...keyword, ...structuralSignals(prompt, shape)];
}

/** Sum of weights, rounded to 2 decimals so that reasons and tests do not show float noise. */
function scoreOf(signals: readonly PromptSignal[]): number {
  return Math.round(signals.reduce((sum, signal) => sum + signal.weight, 0) * 100) / 100;
}

/** Signal names, one per family, strongest first. */
function signalNames(signals: readonly PromptSignal[]): string[] {
  return familyWeights(signals).map((f) => f.name);
}

interface FamilyWeight {
  name: string;
  weight: number;
  evidence: string[];
}

function familyWeights(signals: readonly PromptSignal[]): FamilyWeight[] {
  const byName = new Map<string, FamilyWeight>();
  for (const signal of signals) {
    const entry = byName.get(signal.name) ?? { name: signal.name, weight: 0, evidence: [] };
    entry.weight += signal.weight;
    entry.evidence.push(signal.evidence);
    byName.set(signal.name, entry);
  }
  return [...byName.values()].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
}

function isFamily(name: string): name is Family {
  return Object.hasOwn(FAMILY_LABEL, name);
}

/** The five families the issue names come before the generic ones (length, constraints) in reasons. */
const CORE_FAMILIES: readonly string[] = ['math', 'code', 'long-document', 'strict-format', 'tool-plan'];

/** Heavy families that fired, core ones first, each strongest first; step-by-step work folds into math. */
function heavyFamilies(signals: readonly PromptSignal[]): FamilyWeight[] {
  const families = familyWeights(signals).filter((f) => f.weight > 0 && isFamily(f.name));
  const math = families.find((f) => f.name === 'math');
  const steps = families.find((f) => f.name === 'multi-step');
  if (math && steps) math.evidence.push(...steps.evidence);
  const shown = families.filter((f) => !(math && f === steps));
  const core = shown.filter((f) => CORE_FAMILIES.includes(f.name));
  return [...core, ...shown.filter((f) => !CORE_FAMILIES.includes(f.name))];
}

/** "multi-step math (prove, step by step) and a strict output format (JSON schema)". */
function heavyPhrase(signals: readonly PromptSignal[]): string {
  const parts = heavyFamilies(signals)
    .slice(0, 3)
    .map((f) => {
      const evidence = [...new Set(f.evidence.flatMap((e) => e.split(', ')))].slice(0, 3).join(', ');
      return `${isFamily(f.name) ? FAMILY_LABEL[f.name] : f.name} (${evidence})`;
    });
  if (parts.length <= 1) return parts[0] ?? 'heavy signals';
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** "math, code": the family names alone, for reasons that go on to say why Maverick was not used. */
function heavyNames(signals: readonly PromptSignal[]): string {
  const names = heavyFamilies(signals)
    .slice(0, 3)
    .map((f) => f.name);
  return names.length > 0 ? names.join(', ') : 'several signals';
}

/** A wait in seconds as "~45 s", "~12 min" or "~2.5 h". */
function waitText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 90) return `~${Math.round(seconds)} s`;
  const minutes = seconds / 60;
  if (minutes < 120) return `~${Math.round(minutes)} min`;
  return `~${Math.round(minutes / 6) / 10} h`;
}

function costText(extraCostUsd: number | undefined): string {
  if (extraCostUsd === undefined || !Number.isFinite(extraCostUsd) || extraCostUsd < 0) return '';
  return `est. +$${extraCostUsd.toFixed(extraCostUsd < 0.01 ? 3 : 2)} over Scout`;
}

function maverickDetails(state: RouteState): string {
  const details = [
    state.maverick.expectedWaitSeconds > 0 ? `expected wait ${waitText(state.maverick.expectedWaitSeconds)}` : '',
    costText(state.maverick.extraCostUsd),
  ].filter((d) => d !== '');
  return details.length > 0 ? `; ${details.join(', ')}` : '';
}

function budgetRefusal(state: RouteState): string | undefined {
  if (state.budget?.maverickAllowed !== false) return undefined;
  return state.budget.reason?.trim() || 'the team budget does not allow Maverick right now';
}

/**
 * Decides where `/ask` runs a prompt. Explicit `scout` and `maverick` are obeyed;
 * `auto` sends heavy prompts (score ≥ HEAVY_THRESHOLD) to Maverick when it is
 * configured, the budget allows it and its expected wait (seconds) is acceptable.
 * Throws UserError for explicit `maverick` when Maverick is not configured or the
 * budget refuses it; never throws in `auto` or `scout`.
 */
export function routePrompt(prompt: string, state: RouteState): RouteDecision {
  const found = promptSignals(prompt);
  const heavyScore = scoreOf(found);
  const signals = signalNames(found);
  const decision = (target: Target, reason: string): RouteDecision => ({ target, reason, heavyScore, signals });

  if (state.requested === 'scout') return decision('scout', 'you asked for Scout');

  const refusal = budgetRefusal(state);
  if (state.requested === 'maverick') {
    if (!state.maverick.configured) {
      throw new UserError(
        'Maverick is not configured for this team, so model:maverick cannot run — ask again with model:auto or model:scout.',
      );
    }
    if (refusal !== undefined) {
      throw new UserError(
        `Maverick is not available: ${refusal} — ask again with model:scout, or ask an admin to raise the budget.`,
      );
    }
    return decision('maverick', `you asked for Maverick${maverickDetails(state)}`);
  }

  if (heavyScore < HEAVY_THRESHOLD) {
    const light = familyWeights(found)
      .filter((f) => f.weight < 0)
      .map((f) => f.name);
    const kind = light.length > 0 ? `light prompt (${light.join(', ')})` : 'light prompt';
    const partial = heavyFamilies(found).length > 0 ? ` (${heavyNames(found)})` : '';
    return decision('scout', `auto → Scout: ${kind}; heavy score ${heavyScore}${partial} is below ${HEAVY_THRESHOLD}`);
  }

  const heavy = `heavy prompt (${heavyNames(found)})`;
  if (!state.maverick.configured) {
    return decision('scout', `auto → Scout: ${heavy} but Maverick is not configured`);
  }
  if (refusal !== undefined) {
    return decision('scout', `auto → Scout: ${heavy} but budget: ${refusal}`);
  }
  const { expectedWaitSeconds: waitSeconds, maxWaitSeconds } = state.maverick;
  const waitAcceptable = waitSeconds <= maxWaitSeconds;
  const veryHeavyWaitAcceptable = heavyScore >= VERY_HEAVY_THRESHOLD && waitSeconds < 2 * maxWaitSeconds;
  if (waitAcceptable || veryHeavyWaitAcceptable) {
    const overLimit = waitAcceptable
      ? ''
      : ` (very heavy, so worth more than the ${waitText(maxWaitSeconds)} wait limit)`;
    return decision('maverick', `auto → Maverick: ${heavyPhrase(found)}${maverickDetails(state)}${overLimit}`);
  }
  return decision(
    'scout',
    `auto → Scout: ${heavy} but Maverick's expected wait is ${waitText(waitSeconds)} (limit ${waitText(maxWaitSeconds)}) — answering on Scout; ask with model:maverick to wait`,
  );
}
