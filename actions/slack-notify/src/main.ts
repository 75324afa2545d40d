import { NotImplementedError, runAction } from '@dynamo-ci/core';

export async function main(): Promise<void> {
  await runAction({
    async main() {
      throw new NotImplementedError('slack-notify');
    },
  });
}
