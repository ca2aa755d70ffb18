import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Checks the deployment files so that a broken edit fails `npm test`: the
 * compose files are read with a small parser for the YAML they use (block maps
 * and lists, one-line flow lists, quoted scalars, comments, anchors and `<<`
 * merges) that throws on anything else, then their services are checked.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

type Yaml = string | null | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if ((c === '"' || c === "'") && /(^|[:\-[,]\s*|^\s*)$/.test(line.slice(0, i))) {
      // A quote opens a quoted scalar only where a scalar starts; elsewhere (server's) it is a letter.
      quote = c;
    } else if (c === '#' && (i === 0 || line[i - 1] === ' ')) return line.slice(0, i).trimEnd();
  }
  if (quote) throw new Error(`unterminated quote: ${line}`);
  return line.trimEnd();
}

function scalar(raw: string): string | null {
  const text = raw.trim();
  if (text === '' || text === '~' || text === 'null') return null;
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new Error(`bad double-quoted scalar: ${text}`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new Error(`bad single-quoted scalar: ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{&*!|>%@`]/.test(text) || /:\s/.test(text)) throw new Error(`unsupported YAML: ${text}`);
  return text;
}

function flowList(raw: string): string[] {
  const inner = raw.trim().slice(1, -1).trim();
  if (inner === '') return [];
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (quote) {
      current += c;
      if (c === '\\' && quote === '"') current += inner[++i] ?? '';
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ',') {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  return items.map((item) => scalar(item) ?? '');
}

/** Parse the subset of YAML the compose files use; throws on tabs, bad indentation or anything else. */
function parseYaml(text: string): YamlMap {
  const lines: Line[] = [];
  text.split('\n').forEach((rawLine, i) => {
    if (/^\s*\t/.test(rawLine)) throw new Error(`line ${i + 1}: a tab in the indentation`);
    const stripped = stripComment(rawLine);
    if (stripped.trim() === '') return;
    const indent = stripped.length - stripped.trimStart().length;
    if (indent % 2 !== 0) throw new Error(`line ${i + 1}: indentation of ${indent} spaces`);
    lines.push({ indent, text: stripped.trim(), no: i + 1 });
  });
  const anchors = new Map<string, Yaml>();
  let at = 0;

  const value = (raw: string, indent: number): Yaml => {
    const text = raw.trim();
    const anchor = /^&([\w-]+)$/.exec(text);
    if (anchor?.[1]) {
      const nested = block(indent + 2);
      anchors.set(anchor[1], nested);
      return nested;
    }
    const alias = /^\*([\w-]+)$/.exec(text);
    if (alias?.[1]) {
      if (!anchors.has(alias[1])) throw new Error(`unknown alias *${alias[1]}`);
      return anchors.get(alias[1]) as Yaml;
    }
    if (text === '') return (lines[at]?.indent ?? -1) > indent ? block(indent + 2) : null;
    if (text.startsWith('[')) {
      if (!text.endsWith(']')) throw new Error(`unterminated flow list: ${text}`);
      return flowList(text);
    }
    return scalar(text);
  };

  const mapEntries = (indent: number, into: YamlMap, first?: string) => {
    // Keys written in this map (a merged key may be overridden by one, a written one not repeated).
    const own = new Set<string>();
    const entry = (text: string, no: number) => {
      const match = /^("[^"]+"|[\w.<-]+):(?:\s+(.*))?$/.exec(text);
      if (!match?.[1]) throw new Error(`line ${no}: expected 'key: value', got '${text}'`);
      const key = scalar(match[1]) as string;
      const item = value(match[2] ?? '', indent);
      if (key === '<<') {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new Error(`line ${no}: bad merge`);
        for (const [k, v] of Object.entries(item)) if (!own.has(k)) into[k] = v;
      } else {
        if (own.has(key)) throw new Error(`line ${no}: duplicate key '${key}'`);
        own.add(key);
        into[key] = item;
      }
    };
    if (first !== undefined) entry(first, lines[at - 1]?.no ?? 0);
    while (lines[at] && lines[at]?.indent === indent && !lines[at]?.text.startsWith('- ')) {
      const line = lines[at++] as Line;
      entry(line.text, line.no);
    }
    return into;
  };

  const block = (indent: number): Yaml => {
    const first = lines[at];
    if (!first || first.indent !== indent) throw new Error(`line ${first?.no}: expected indentation ${indent}`);
    if (first.text === '-' || first.text.startsWith('- ')) {
      const list: Yaml[] = [];
      while (lines[at]?.indent === indent && (lines[at]?.text === '-' || lines[at]?.text.startsWith('- '))) {
        const item = (lines[at++] as Line).text.slice(1).trim();
        if (/^[\w.-]+:(\s|$)/.test(item)) list.push(mapEntries(indent + 2, {}, item));
        else list.push(value(item, indent));
      }
      return list;
    }
    const map = mapEntries(indent, {});
    const next = lines[at];
    if (next && next.indent > indent) throw new Error(`line ${next.no}: unexpected indentation`);
    return map;
  };

  const doc = block(0);
  if (at !== lines.length) throw new Error(`line ${lines[at]?.no}: not parsed`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a map');
  return doc;
}

const asMap = (v: Yaml | undefined): YamlMap => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`not a map: ${JSON.stringify(v)}`);
  return v;
};
const asList = (v: Yaml | undefined): Yaml[] => {
  if (!Array.isArray(v)) throw new Error(`not a list: ${JSON.stringify(v)}`);
  return v;
};
/** A flag's value in an argument list (`--parallel 2` → '2'). */
const arg = (args: Yaml[], flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
/** The value compose would use for `${VAR:-default}` with VAR unset. */
const withDefaults = (v: Yaml): Yaml => (typeof v === 'string' ? v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1') : v);

const main = parseYaml(read('docker-compose.yml'));
const gpu = parseYaml(read('docker-compose.gpu.yml'));
const services = asMap(main.services);
const gpuServices = asMap(gpu.services);

describe('the YAML reader used here', () => {
  it.each([
    ['a tab', 'services:\n\tbot: {}\n'],
    ['odd indentation', 'services:\n   bot:\n     image: x\n'],
    ['a missing colon', 'services:\n  bot\n'],
    ['an unterminated list', 'services:\n  bot:\n    command: ["node", "x"\n'],
    ['a duplicate key', 'services:\n  bot:\n    image: a\n    image: b\n'],
  ])('GIVEN %s THEN it throws', (_what, text) => {
    expect(() => parseYaml(text)).toThrow();
  });

  it('GIVEN anchors, merges, lists and quoted scalars THEN it reads them', () => {
    const doc = parseYaml(
      'x: &base\n  a: "1"\n  b: [c, "d e"]\nsvc:\n  <<: *base\n  a: own # comment\n  l:\n    - k: v\n      m: n\n    - plain\n',
    );
    expect(doc).toEqual({
      x: { a: '1', b: ['c', 'd e'] },
      svc: { a: 'own', b: ['c', 'd e'], l: [{ k: 'v', m: 'n' }, 'plain'] },
    });
  });
});

describe('docker-compose.yml (one box)', () => {
  it('GIVEN the file THEN it has redis, bot, scout-worker and maverick', () => {
    expect(Object.keys(services).sort()).toEqual(['bot', 'maverick', 'redis', 'scout-worker']);
  });

  it('GIVEN redis THEN Redis 7 with AOF fsynced every second, noeviction, a named volume and a healthcheck', () => {
    const redis = asMap(services.redis);
    expect(redis.image).toMatch(/^redis:7/);
    const command = asList(redis.command);
    expect(arg(command, '--appendonly')).toBe('yes');
    expect(arg(command, '--appendfsync')).toBe('everysec');
    expect(arg(command, '--maxmemory-policy')).toBe('noeviction');
    expect(asList(redis.volumes)).toContain('redis-data:/data');
    expect(Object.keys(asMap(main.volumes))).toContain('redis-data');
    expect(JSON.stringify(asMap(redis.healthcheck).test)).toContain('ping');
    // Never published beyond loopback unless REDIS_BIND says so.
    expect(asList(redis.ports).map(withDefaults)).toEqual(['127.0.0.1:6379:6379']);
  });

  it.each([
    ['bot', ['node', 'bin/fitbot.js']],
    ['scout-worker', ['node', 'bin/fitbot.js', 'worker', 'scout']],
    ['maverick', ['node', 'bin/fitbot.js', 'worker', 'maverick']],
  ])('GIVEN %s THEN it runs the fitbot image with %j, reads .env, waits for a healthy Redis', (name, command) => {
    const service = asMap(services[name]);
    expect(service.command).toEqual(command);
    expect(service.build).toBe('.');
    expect(service.env_file).toBe('.env');
    expect(asMap(asMap(service.depends_on).redis).condition).toBe('service_healthy');
    expect(withDefaults(asMap(service.environment).REDIS_URL ?? null)).toBe('redis://redis:6379');
    expect(asList(service.ports).some((p) => String(p).startsWith('127.0.0.1:') && String(p).endsWith(':9464'))).toBe(
      true,
    );
  });

  it('GIVEN the bot THEN it knows the model servers (routing, ETAs, prices) but runs no model worker of its own', () => {
    const env = asMap(asMap(services.bot).environment);
    expect(env.FITBOT_WORKERS).toBe('none');
    for (const name of ['SCOUT_BASE_URL', 'MAVERICK_BASE_URL', 'RUNPOD_API_KEY', 'RUNPOD_POD_ID']) {
      expect(env[name], name).toBeUndefined();
    }
  });

  it('GIVEN the workers THEN each sits in its own profile and has time to finish answers on SIGTERM', () => {
    expect(asMap(services['scout-worker']).profiles).toEqual(['scout']);
    expect(asMap(services.maverick).profiles).toEqual(['maverick']);
    expect(asMap(services.bot).profiles).toBeUndefined();
    expect(asMap(services.maverick).stop_grace_period).toMatch(/^\d+s$/);
  });
});

describe('docker-compose.gpu.yml (the GPU box)', () => {
  const server = asMap(gpuServices['llama-server']);
  const worker = asMap(gpuServices['scout-worker']);
  const args = asList(server.command).map(withDefaults);

  it('GIVEN the file THEN it has llama-server and scout-worker', () => {
    expect(Object.keys(gpuServices).sort()).toEqual(['llama-server', 'scout-worker']);
  });

  it('GIVEN llama-server THEN the official CUDA image on the GPU with the model volume and the flags fitbot expects', () => {
    expect(server.image).toBe('ghcr.io/ggml-org/llama.cpp:server-cuda');
    expect(arg(args, '--port')).toBe('8080');
    expect(arg(args, '--host')).toBe('0.0.0.0');
    expect(arg(args, '-m')).toMatch(/^\/models\/.+\.gguf$/);
    expect(arg(args, '-ngl')).toBe('99');
    expect(arg(args, '-c')).toBe('16384');
    expect(Number(arg(args, '--parallel'))).toBeGreaterThanOrEqual(1);
    expect(args).toContain('--metrics');
    // /fit: Q4_K_M on one RTX 4090 needs the experts of 36 layers in RAM.
    expect(arg(args, '--n-cpu-moe')).toBe('36');
    const volumes = asList(server.volumes).map(withDefaults);
    expect(volumes.some((v) => String(v).includes(':/models'))).toBe(true);
    const devices = asList(asMap(asMap(asMap(server.deploy).resources).reservations).devices);
    expect(asMap(devices[0])).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
  });

  it('GIVEN -c and --parallel THEN each slot gets a whole 8K context', () => {
    expect(Number(arg(args, '-c')) / Number(arg(args, '--parallel'))).toBe(8192);
  });

  it("GIVEN the scout worker THEN its concurrency equals llama-server's --parallel and it points at that server", () => {
    const env = asMap(worker.environment);
    expect(env.SCOUT_CONCURRENCY).toBe(arg(args, '--parallel'));
    expect(env.SCOUT_BASE_URL).toBe(`http://llama-server:${arg(args, '--port')}/v1`);
    expect(worker.command).toEqual(['node', 'bin/fitbot.js', 'worker', 'scout']);
    expect(worker.env_file).toBe('.env');
    // REDIS_URL is the bot server's: compose refuses to start without it.
    expect(env.REDIS_URL).toMatch(/^\$\{REDIS_URL:\?/);
    expect(asMap(asMap(worker.depends_on)['llama-server']).condition).toBe('service_healthy');
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const ignore = read('.dockerignore').split('\n');
  const pkg = JSON.parse(read('package.json')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('GIVEN the Dockerfile THEN deps install with npm ci --omit=dev in their own stage, and the runtime is slim and non-root', () => {
    expect(dockerfile.match(/^FROM node:20-bookworm-slim AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^COPY --from=deps \/app\/node_modules/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 9464$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/fitbot\.js"\]$/m);
  });

  it('GIVEN what the code loads at run time THEN the image copies it', () => {
    for (const dir of ['bin', 'src', 'commands', 'workers', 'data']) {
      expect(dockerfile, dir).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
    }
  });

  it('GIVEN bin/fitbot.js registers tsx THEN tsx is a runtime dependency, and no dev tool is needed at run time', () => {
    expect(read('bin/fitbot.js')).toContain("from 'tsx/esm/api'");
    expect(pkg.dependencies.tsx).toBeDefined();
    for (const dev of Object.keys(pkg.devDependencies)) expect(pkg.dependencies[dev], dev).toBeUndefined();
  });

  it('GIVEN .dockerignore THEN secrets and local state never enter the build context', () => {
    for (const entry of ['.env', 'node_modules', '.git', '.fitbot']) expect(ignore, entry).toContain(entry);
  });
});
