/** multipart/form-data as the fakes receive it (files from discord.js and from Slack's uploadV2). */
/** The parts of a multipart/form-data body (RFC 7578): name, filename, type and bytes of each. */
export function formParts(body: Buffer, boundary: string) {
  const delimiter = Buffer.from(`--${boundary.replace(/^"|"$/g, '')}`);
  const parts: { name: string; filename?: string; contentType: string; data: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length + 2; // CRLF after the delimiter
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next - 2); // CRLF before the next delimiter
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    const contentType = /content-type: *([^\r\n]+)/i.exec(head)?.[1] ?? 'text/plain';
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), contentType, data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}
