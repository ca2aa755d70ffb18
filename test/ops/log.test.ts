import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/config.ts';
import { createLogger, REDACTED, sanitise, scrubText } from '../../src/log.ts';

function capture(level: LogLevel) {
  const lines: string[] = [];
  const log = createLogger(level, (line) => lines.push(line));
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, parsed };
}

describe('createLogger', () => {
  it('GIVEN a line with fields THEN it writes one JSON object per line with level, ISO time, msg and the fields', () => {
    const { log, lines, parsed } = capture('info');
    log.info('ask answered', { jobId: 'ask-discord-1', queue: 'scout', attempt: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.trimEnd()).not.toContain('\n');
    const [line] = parsed();
    expect(line).toMatchObject({
      level: 'info',
      msg: 'ask answered',
      jobId: 'ask-discord-1',
      queue: 'scout',
      attempt: 1,
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const)('GIVEN level %s THEN it writes %j', (level, expected) => {
    const { log, parsed } = capture(level);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(parsed().map((l) => l.level)).toEqual(expected);
  });

  it('GIVEN a child with bindings THEN every line carries them, a grandchild adds more and a line’s own fields win', () => {
    const { log, parsed } = capture('info');
    const job = log.child({ jobId: 'ask-slack-7', team: 'T1' });
    job.info('started');
    job.child({ command: 'ask' }).warn('slow', { team: 'T2' });
    log.info('unbound');
    const [started, slow, unbound] = parsed();
    expect(started).toMatchObject({ msg: 'started', jobId: 'ask-slack-7', team: 'T1' });
    expect(slow).toMatchObject({ msg: 'slow', jobId: 'ask-slack-7', command: 'ask', team: 'T2', level: 'warn' });
    expect(unbound).not.toHaveProperty('jobId');
  });

  it.each(['debug', 'info', 'error'] as const)(
    'GIVEN credential-like fields at %s THEN they are redacted, nested ones too, and token counts are kept',
    (level) => {
      const { log, lines, parsed } = capture('debug');
      log[level]('request', {
        token: 'discord-bot-token-123',
        botToken: 'xoxb-1111-2222-abcdefgh',
        apiKey: 'rp_live_key',
        headers: { Authorization: 'Bearer sk-abcdefghijklmnop', 'x-api-key': 'k-123456789' },
        signingSecret: 'shh-secret',
        password: 'hunter2',
        config: { pod: { apiKey: 'rp_nested_key' } },
        promptTokens: 12,
        completionTokens: 34,
        tokensPerSec: 56,
      });
      const text = lines.join('');
      for (const secret of [
        'discord-bot-token-123',
        'xoxb-1111',
        'rp_live_key',
        'sk-abcdefghijklmnop',
        'k-123456789',
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toContain('shh-secret');
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('rp_nested_key');
      expect(parsed()[0]).toMatchObject({
        token: REDACTED,
        botToken: REDACTED,
        apiKey: REDACTED,
        headers: { Authorization: REDACTED, 'x-api-key': REDACTED },
        password: REDACTED,
        promptTokens: 12,
        completionTokens: 34,
        tokensPerSec: 56,
      });
    },
  );

  it('GIVEN credentials inside strings (URL userinfo, bearer, Slack tokens) THEN they are scrubbed from fields and messages', () => {
    const { log, lines } = capture('info');
    log.warn('cannot reach rediss://default:s3cr3t-pw@redis.example.com:6380', {
      error: 'auth failed for Bearer abcdefghijklmnopqrstuvwxyz',
      note: 'token xapp-1-A0123-456789-abcdef leaked',
    });
    const text = lines.join('');
    expect(text).not.toContain('s3cr3t-pw');
    expect(text).not.toContain('abcdefghijklmnopqrstuvwxyz');
    expect(text).not.toContain('xapp-1-A0123');
    expect(text).toContain('redis.example.com:6380');
  });

  it('GIVEN prompt, answer and text fields THEN info and above drop them, nested or bound, and debug keeps them', () => {
    const { log, lines, parsed } = capture('debug');
    const job = log.child({ jobId: 'j1', prompt: 'what is the secret plan' });
    job.info('answered', { answer: 'the plan is X', outcome: { text: 'inner words' }, promptChars: 23 });
    job.error('failed', { text: 'some words' });
    job.debug('raw', { answer: 'the plan is X' });
    const [info, error, debug] = parsed();
    expect(info).toEqual(expect.objectContaining({ jobId: 'j1', promptChars: 23, outcome: {} }));
    expect(info).not.toHaveProperty('prompt');
    expect(info).not.toHaveProperty('answer');
    expect(error).not.toHaveProperty('text');
    expect(lines.slice(0, 2).join('')).not.toMatch(/secret plan|the plan is X|inner words|some words/);
    expect(debug).toMatchObject({ prompt: 'what is the secret plan', answer: 'the plan is X' });
  });

  it('GIVEN an Error (with a cause) THEN it is serialised as name, message, stack and code', () => {
    const { log, parsed } = capture('info');
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    log.error('redis down', { error: new TypeError('bad thing', { cause }) });
    const error = parsed()[0]?.error as Record<string, unknown>;
    expect(error).toMatchObject({ name: 'TypeError', message: 'bad thing' });
    expect(String(error.stack)).toContain('TypeError: bad thing');
    expect(error.cause).toMatchObject({
      name: 'Error',
      code: 'ECONNREFUSED',
      message: expect.stringContaining('6379'),
    });
  });

  it('GIVEN fields named like the line’s own keys or a cycle THEN the line stays valid JSON with one of each key', () => {
    const { log, lines, parsed } = capture('info');
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    log.info('odd', { level: 3, msg: 'mine', time: 'now', loop });
    expect(lines[0]?.match(/"level":/g)).toHaveLength(1);
    expect(parsed()[0]).toMatchObject({
      level: 'info',
      msg: 'odd',
      field_level: 3,
      field_msg: 'mine',
      loop: { name: 'loop', self: '[circular]' },
    });
  });

  it('GIVEN the default destination and an immediate process.exit THEN the line reaches stderr, not stdout', () => {
    const script = [
      "const { createLogger } = await import('./src/log.ts');",
      "createLogger('info').info('bye', { apiKey: 'k' });",
      'process.exit(3);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr.trim())).toMatchObject({ level: 'info', msg: 'bye', apiKey: REDACTED });
  });
});

describe('sanitise and scrubText', () => {
  it('GIVEN keepContent THEN content is kept but secrets are still redacted', () => {
    expect(sanitise({ prompt: 'p', token: 't' }, { keepContent: true })).toEqual({ prompt: 'p', token: REDACTED });
    expect(sanitise({ prompt: 'p', token: 't' })).toEqual({ token: REDACTED });
  });

  it('GIVEN a token as a URL user or a lower-case bearer THEN it is redacted', () => {
    expect(scrubText('clone https://ghp_abcdef123456@github.com/x and rediss://:pw@r:6380')).toBe(
      `clone https://${REDACTED}@github.com/x and rediss://${REDACTED}@r:6380`,
    );
    expect(scrubText('authorization: bearer abcdefgh12345678')).toBe(`authorization: bearer ${REDACTED}`);
  });

  it('GIVEN a URL without a password THEN it is unchanged', () => {
    expect(scrubText('redis://redis:6379 and https://example.com/a@b')).toBe(
      'redis://redis:6379 and https://example.com/a@b',
    );
  });
});
