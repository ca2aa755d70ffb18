/**
 * A failure whose message is safe and useful to show to the person who typed the
 * command ("unknown model 'mavrick' — did you mean maverick?"). Anything else that
 * reaches the edge is a bug: logged in full, shown as a short generic message.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
