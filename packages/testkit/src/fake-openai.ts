/**
 * A fake OpenAI-compatible frontend (the `/v1/chat/completions` a Dynamo frontend serves), for the
 * fake Kubernetes API server's service proxy to forward to. It can load its model slowly (503 for
 * the first N completions, as a frontend does before a worker registers) and can answer in each of
 * the ways a smoke test must reject.
 */
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './http.js';

export type CompletionMode =
  /** A valid answer: role assistant, long content, the model echoed. */
  'ok' | 'http-500' | 'not-json' | 'no-choices' | 'wrong-role' | 'short-content' | 'wrong-model';

export interface FakeOpenAIOptions {
  /** The model the frontend serves (echoed in answers unless `mode` is `wrong-model`). */
  model?: string;
  /** Answer 503 "model not ready" to this many completion requests before answering. */
  loadingResponses?: number;
  /** `Retry-After` sent with the loading 503s (seconds). */
  retryAfterSeconds?: number;
  mode?: CompletionMode;
  /** The assistant's text in `ok` mode. */
  content?: string;
}

const LONG_ANSWER =
  'Aeloria is a city of ten thousand bridges, where the river Vell splits into a hundred silver threads. ' +
  'Explorers come for the floating markets and stay for the libraries carved into the cliffs.';

export class FakeOpenAIFrontend extends FakeHttpServer {
  model: string;
  loadingResponses: number;
  retryAfterSeconds: number;
  mode: CompletionMode;
  content: string;
  /**
   * Completion requests answered so far (including the loading 503s). `mode` applies to real
   * requests only: readiness probes (`max_tokens: 1`) get a valid answer once the model is loaded.
   */
  completions = 0;

  constructor(options: FakeOpenAIOptions = {}) {
    super();
    this.model = options.model ?? 'Qwen/Qwen3-0.6B';
    this.loadingResponses = options.loadingResponses ?? 0;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 0;
    this.mode = options.mode ?? 'ok';
    this.content = options.content ?? LONG_ANSWER;
    this.route('GET', '/health', () => ({ body: { status: this.loadingResponses > 0 ? 'loading' : 'healthy' } }));
    this.route('GET', '/v1/models', () => ({
      body: { object: 'list', data: [{ id: this.model, object: 'model', owned_by: 'dynamo' }] },
    }));
    this.route('POST', '/v1/chat/completions', (request) => this.complete(request));
  }

  private complete(request: FakeRequest): FakeResponse {
    this.completions++;
    if (this.loadingResponses > 0) {
      this.loadingResponses--;
      return {
        status: 503,
        headers: { 'retry-after': String(this.retryAfterSeconds) },
        body: { error: { message: `Model ${this.model} is not ready yet`, type: 'service_unavailable', code: 503 } },
      };
    }
    const body = request.body as { model?: string; messages?: unknown[]; max_tokens?: number } | undefined;
    if (!body || !Array.isArray(body.messages)) {
      return { status: 400, body: { error: { message: 'messages is required', type: 'invalid_request_error' } } };
    }
    if (body.model !== this.model) {
      return { status: 404, body: { error: { message: `model ${String(body.model)} not found`, type: 'not_found' } } };
    }
    switch (body.max_tokens === 1 ? 'ok' : this.mode) {
      case 'http-500':
        return { status: 500, body: { error: { message: 'worker crashed: CUDA error: out of memory' } } };
      case 'not-json':
        return { status: 200, raw: '<html><body>upstream connect error</body></html>' };
      case 'no-choices':
        return { body: this.answer({ choices: [] }) };
      case 'wrong-role':
        return { body: this.answer({ role: 'user' }) };
      case 'short-content':
        return { body: this.answer({ content: 'Aeloria.' }) };
      case 'wrong-model':
        return { body: this.answer({ model: 'some/other-model' }) };
      default:
        return { body: this.answer({}) };
    }
  }

  private answer(overrides: { role?: string; content?: string; model?: string; choices?: unknown[] }): unknown {
    const message = { role: overrides.role ?? 'assistant', content: overrides.content ?? this.content };
    return {
      id: `chatcmpl-${this.completions}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: overrides.model ?? this.model,
      choices: overrides.choices ?? [{ index: 0, message, finish_reason: 'length' }],
      usage: { prompt_tokens: 180, completion_tokens: 30, total_tokens: 210 },
    };
  }
}
