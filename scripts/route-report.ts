/**
 * Print the router's agreement with a labelled prompt set as Markdown, for
 * docs/ROUTING.md: `npx tsx scripts/route-report.ts [file.json]` (default
 * test/routing/labelled-prompts.json). Routes in auto with Maverick configured,
 * no wait and no budget limit, so only the prompt decides.
 */
import { readFileSync } from 'node:fs';
import { HEAVY_THRESHOLD, routePrompt } from '../src/routing/router.ts';

interface Labelled {
  prompt: string;
  label: 'heavy' | 'light';
  category: string;
}

const path = process.argv[2] ?? new URL('../test/routing/labelled-prompts.json', import.meta.url).pathname;
const prompts = JSON.parse(readFileSync(path, 'utf8')) as Labelled[];

const routed = prompts.map((p) => {
  const decision = routePrompt(p.prompt, {
    requested: 'auto',
    maverick: { configured: true, expectedWaitSeconds: 0, maxWaitSeconds: 600 },
  });
  return { ...p, decision, agrees: (p.label === 'heavy') === (decision.target === 'maverick') };
});

const count = (f: (r: (typeof routed)[number]) => boolean) => routed.filter(f).length;
const percent = (n: number, of: number) => (of === 0 ? '–' : `${((100 * n) / of).toFixed(1)} %`);
const heavy = count((r) => r.label === 'heavy');
const light = count((r) => r.label === 'light');
const agree = count((r) => r.agrees);
const heavyToScout = count((r) => r.label === 'heavy' && r.decision.target === 'scout');
const lightToMaverick = count((r) => r.label === 'light' && r.decision.target === 'maverick');

const lines = [
  `Labelled set: ${prompts.length} prompts (${heavy} heavy, ${light} light), threshold ${HEAVY_THRESHOLD}.`,
  '',
  `- Agreement: ${agree}/${prompts.length} = ${percent(agree, prompts.length)}`,
  `- Heavy → Scout (missed): ${heavyToScout}/${heavy} = ${percent(heavyToScout, heavy)}`,
  `- Light → Maverick (wasted): ${lightToMaverick}/${light} = ${percent(lightToMaverick, light)}`,
  '',
  '| label | category | prompts | agree | accuracy | mean score |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
];
const categories = [...new Set(routed.map((r) => `${r.label}\t${r.category}`))].sort();
for (const key of categories) {
  const [label, category] = key.split('\t');
  const rows = routed.filter((r) => r.label === label && r.category === category);
  const ok = rows.filter((r) => r.agrees).length;
  const meanScore = rows.reduce((sum, r) => sum + r.decision.heavyScore, 0) / rows.length;
  lines.push(
    `| ${label} | ${category} | ${rows.length} | ${ok} | ${percent(ok, rows.length)} | ${meanScore.toFixed(1)} |`,
  );
}
const misrouted = routed.filter((r) => !r.agrees);
if (misrouted.length > 0) {
  lines.push('', 'Misrouted:', '');
  for (const r of misrouted) {
    lines.push(
      `- (${r.label}, ${r.category}, score ${r.decision.heavyScore}) ${JSON.stringify(r.prompt.slice(0, 80))}`,
    );
  }
}
console.log(lines.join('\n'));
