/**
 * A GitHub App installation token minted in the step itself, so a consumer needs no long-lived
 * personal token and no third-party action: a JWT signed with the App's private key (RS256) buys
 * a token for this one repository with only the permissions the gate needs, revoked when the step
 * ends. Pushes made with it, unlike the workflow's GITHUB_TOKEN, start push-triggered workflows.
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { InputError, type RepoRef, retry, ServiceError } from '@dynamo-ci/core';

export interface AppCredentials {
  appId: string;
  privateKey: KeyObject;
}

/** Parse the App's PEM key; a key stored on one line with literal `\n` escapes is accepted too. */
export function parsePrivateKey(raw: string): KeyObject {
  const pem = raw.includes('\\n') && !raw.includes('\n') ? raw.replace(/\\n/g, '\n') : raw;
  try {
    const key = createPrivateKey(pem.trim());
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`an ${key.asymmetricKeyType} key`);
    return key;
  } catch (error) {
    throw new InputError(
      'app-private-key',
      `Input 'app-private-key' must be the GitHub App's RSA private key in PEM form ("-----BEGIN RSA PRIVATE KEY-----"...), as downloaded from the App's settings (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The App's JWT: valid from a minute ago (clock drift) for nine minutes (GitHub allows ten). */
export function appJwt(credentials: AppCredentials, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss: credentials.appId }));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(credentials.privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

export interface InstallationToken {
  token: string;
  /** The login the token comments as (`<app-slug>[bot]`); undefined when GET /app did not say. */
  botLogin: string | undefined;
  /** Revoke the token; never throws (it expires within the hour anyway). */
  revoke(): Promise<string | undefined>;
}

export async function mintInstallationToken(options: {
  apiUrl: string;
  repo: RepoRef;
  credentials: AppCredentials;
  permissions: Record<string, 'read' | 'write'>;
}): Promise<InstallationToken> {
  const { apiUrl, repo, credentials, permissions } = options;
  const call = async (method: string, path: string, auth: string, body?: unknown) => {
    const response = await retry(
      async () => {
        const answer = await fetch(`${apiUrl.replace(/\/$/, '')}${path}`, {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: auth,
            'x-github-api-version': '2022-11-28',
            'user-agent': 'dynamo-ci-actions/copy-pr',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (answer.status >= 500) throw new ServiceError(`HTTP ${answer.status}`, answer.status);
        return answer;
      },
      { attempts: 3, baseDelayMs: 500 },
    ).catch((error) => {
      throw new ServiceError(`GitHub App ${method} ${path} failed: ${error instanceof Error ? error.message : error}`);
    });
    const text = await response.text();
    const data = text === '' ? {} : (JSON.parse(text) as Record<string, any>);
    return { status: response.status, data };
  };

  const jwt = `Bearer ${appJwt(credentials)}`;
  const installation = await call('GET', `/repos/${repo.owner}/${repo.repo}/installation`, jwt);
  if (installation.status === 401) {
    throw new ServiceError(
      `GitHub rejected the App's credentials (${installation.data.message ?? 'HTTP 401'}): check app-id and that app-private-key is that App's key.`,
      401,
    );
  }
  if (installation.status === 404) {
    throw new ServiceError(
      `GitHub App ${credentials.appId} is not installed on ${repo.owner}/${repo.repo}: install it there with contents and pull requests write access.`,
      404,
    );
  }
  if (installation.status !== 200 || typeof installation.data.id !== 'number') {
    throw new ServiceError(
      `GitHub App installation lookup failed with HTTP ${installation.status}: ${installation.data.message ?? ''}`,
    );
  }
  const minted = await call('POST', `/app/installations/${installation.data.id}/access_tokens`, jwt, {
    repositories: [repo.repo],
    permissions,
  });
  if (minted.status !== 201 || typeof minted.data.token !== 'string') {
    throw new ServiceError(
      `GitHub App ${credentials.appId} could not get a token for ${repo.owner}/${repo.repo} with ${JSON.stringify(permissions)} ` +
        `(HTTP ${minted.status}: ${minted.data.message ?? 'no message'}); grant the App those permissions.`,
      minted.status,
    );
  }
  const token = minted.data.token as string;
  // The App's slug names the bot its comments appear under; without it the gate asks GitHub later.
  const app = await call('GET', '/app', jwt).catch(() => undefined);
  const slug = app?.status === 200 && typeof app.data.slug === 'string' ? app.data.slug : undefined;
  return {
    token,
    botLogin: slug ? `${slug}[bot]` : undefined,
    async revoke() {
      try {
        const answer = await call('DELETE', '/installation/token', `token ${token}`);
        return answer.status === 204 ? undefined : `HTTP ${answer.status}`;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
  };
}
