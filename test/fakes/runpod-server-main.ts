// The fake RunPod API as its own process, for trying the bot by hand:
//   npx tsx test/fakes/runpod-server-main.ts --pod-id ID --gpus 2 --cost 6.58 --port 0
// Prints its base URL (GraphQL at URL/graphql, REST at URL/v1) and runs until killed.
import { parseArgs } from 'node:util';
import { startFakeRunPod } from './runpod-server.ts';

const { values } = parseArgs({
  options: {
    'pod-id': { type: 'string', default: 'fakepod0000001' },
    gpus: { type: 'string', default: '1' },
    cost: { type: 'string', default: '2.69' },
    'gpu-type': { type: 'string', default: 'NVIDIA H100 80GB HBM3' },
    'network-volume': { type: 'string', default: 'fakevolume01' },
    status: { type: 'string', default: 'EXITED' },
    'runtime-delay-ms': { type: 'string', default: '5000' },
    'api-key': { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});

const fake = await startFakeRunPod({
  pods: [
    {
      id: values['pod-id'],
      gpuCount: Number(values.gpus),
      gpuTypeId: values['gpu-type'],
      costPerHr: Number(values.cost),
      ...(values['network-volume'] ? { networkVolumeId: values['network-volume'] } : {}),
      desiredStatus: values.status === 'RUNNING' ? 'RUNNING' : 'EXITED',
    },
  ],
  runtimeDelayMs: Number(values['runtime-delay-ms']),
  port: Number(values.port),
  ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
});
process.stdout.write(`${fake.url}\n`);
process.stderr.write(`fake RunPod: key ${fake.apiKey}, pod ${values['pod-id']}\n`);
fake.onChange((podId, status) => process.stderr.write(`${podId} → ${status}\n`));
process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
process.once('SIGINT', () => void fake.close().then(() => process.exit(0)));
