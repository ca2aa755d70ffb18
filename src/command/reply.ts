/**
 * What a command answers, independent of any platform. Renderers turn it into
 * a Discord embed, Slack blocks or console text; if an adapter needs a branch
 * per command, a field is missing here.
 *
 * Text may use two marks every platform can show: `**bold**` and `` `code` ``.
 */
export interface Reply {
  title?: string;
  /** The body, paragraphs separated by blank lines. */
  text?: string;
  fields?: ReplyField[];
  /** A command line or code shown as a block. */
  code?: string;
  footer?: string;
  tone?: 'info' | 'success' | 'warning' | 'error';
  /** Shown only to the person who asked. */
  ephemeral?: boolean;
  /** A PNG attached where the platform allows (the weekly summary's chart), with its text for screen readers. */
  image?: { filename: string; png: Uint8Array; alt: string };
  /** Another message (the answer) follows this one through the context's followUp. */
  awaiting?: boolean;
}

export interface ReplyField {
  name: string;
  value: string;
  inline?: boolean;
}

/** A reply for a UserError or any short notice. */
export function errorReply(message: string): Reply {
  return { text: message, tone: 'error', ephemeral: true };
}
