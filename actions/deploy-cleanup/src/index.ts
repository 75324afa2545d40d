import '@dynamo-ci/kube/node-compat';
import { main } from './main.js';

await main();
