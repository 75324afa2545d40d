/**
 * The error taxonomy. `UserError`s (bad inputs, bad config, an environment the user must fix)
 * are reported as one `::error::` sentence without a stack; anything else is a bug in this
 * project and is reported with its stack in the debug log.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** An action input is missing or malformed. The message names the input and what was expected. */
export class InputError extends UserError {
  override name = 'InputError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

/** A configuration file or the repository/environment is not what the action needs. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
}

/** A call to an outside service (GitHub, Slack, Kubernetes, a registry) failed for good. */
export class ServiceError extends UserError {
  override name = 'ServiceError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The action was stopped by its own deadline (`timeout-minutes`) or by cancellation. */
export class TimeoutError extends UserError {
  override name = 'TimeoutError';
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of anything thrown, for reports. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
