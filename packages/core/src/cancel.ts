/**
 * Cancellation: the runner cancels a step with SIGINT, then SIGTERM, and kills it about 10 s after
 * the first signal. An action that has something to finish (stop a build or pytest and still report,
 * leave cleanup to its post phase) runs that part inside `cancellable`: both signals abort the signal
 * it is handed, instead of ending the process. Outside it, the signals keep Node's default (exit).
 */

/** Run `body` with an `AbortSignal` that aborts when the runner cancels the step (SIGINT or SIGTERM). */
export async function cancellable<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
