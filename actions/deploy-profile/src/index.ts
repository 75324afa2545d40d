import './node-compat.js';
import { main } from './main.js';

await main();
