// Benchmark load: `count` Realtime subscribers in this process, each a plain `ws` socket speaking the
// Phoenix protocol the way supabase-js does (join with one postgres_changes binding, heartbeats),
// lighter than the full client so that thousands fit on this machine. Prints "ready <joined>" once
// every join is answered, then counts deliveries until SIGTERM and prints "received <n>".
import WebSocket from 'ws';

interface Options {
  url: string;
  apikey: string;
  count: number;
  table: string;
  filter: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const sockets: WebSocket[] = [];
let joined = 0;
let received = 0;

for (let i = 0; i < options.count; i++) sockets.push(openSubscriber(i));
const heartbeat = setInterval(() => {
  for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) socket.send('[null,"hb","phoenix","heartbeat",{}]');
}, 25_000);

process.once('SIGTERM', () => {
  clearInterval(heartbeat);
  console.log(`received ${received}`);
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});

function openSubscriber(index: number): WebSocket {
  const socket = new WebSocket(`${options.url}?apikey=${encodeURIComponent(options.apikey)}&vsn=2.0.0`, { perMessageDeflate: false });
  socket.on('open', () => {
    const join = {
      config: {
        broadcast: { ack: false, self: false }, presence: { key: '', enabled: false }, private: false,
        postgres_changes: [{ event: '*', schema: 'public', table: options.table, filter: options.filter }],
      },
    };
    socket.send(JSON.stringify(['1', '1', `realtime:bench-${index % 10}`, 'phx_join', join]));
  });
  socket.on('message', (data) => {
    const text = data.toString();
    if (text.includes('"phx_reply"') && text.startsWith('["1","1"')) {
      if (++joined === options.count) console.log(`ready ${joined}`);
    } else if (text.includes('"postgres_changes"')) {
      received += 1;
    }
  });
  socket.on('error', () => {});
  return socket;
}
