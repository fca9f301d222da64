// Runs the exchange simulator in its own process for benchmarks, so producing events does not share
// an event loop with the pipeline being measured. Options come as one JSON argument; prints
// "ready <port>" and runs until SIGTERM.
import { startExchangeSimulator, type SimulatorOptions } from '../local/exchange/simulator.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
const simulator = await startExchangeSimulator(options);
console.log(`ready ${simulator.port}`);
process.once('SIGTERM', () => void simulator.close().then(() => process.exit(0)));
