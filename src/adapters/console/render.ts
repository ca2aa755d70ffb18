import type { Reply } from '../../command/reply.ts';

/** A Reply as terminal text: title, body, fields as indented blocks, code, footer. */
export function toText(reply: Reply): string {
  const out: string[] = [];
  if (reply.title) out.push(reply.title);
  if (reply.text) out.push(reply.text);
  for (const field of reply.fields ?? []) {
    out.push(`${field.name}:\n${field.value.replace(/^/gm, '  ')}`);
  }
  if (reply.code) out.push(`Run it:\n  ${reply.code}`);
  if (reply.image) out.push(`[image: ${reply.image.alt}]`);
  if (reply.footer) out.push(reply.footer);
  return out.join('\n\n').replace(/\*\*/g, '');
}
