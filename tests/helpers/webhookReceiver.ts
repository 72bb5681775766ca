// A webhook receiver on a local port for tests: records each request and answers with the next
// status of a list (the last repeats; null never answers).
import http from 'node:http';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  got: Received[];
  /** Changes the answers from now on. */
  answer(statuses: Array<number | null>): void;
  close(): Promise<void>;
}

export async function webhookReceiver(statuses: Array<number | null>): Promise<Receiver> {
  const got: Received[] = [];
  let answers = statuses;
  let from = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const status = answers[Math.min(got.length - 1 - from, answers.length - 1)];
      if (status !== null) res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    got,
    answer(next) {
      answers = next;
      from = got.length;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
