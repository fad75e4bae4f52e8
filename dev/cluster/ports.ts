// Ports for the cluster, chosen free at `cluster up` and kept in its state, so a restarted server
// comes back where its clients look. Below 32768: Temporal stores membership ports in a smallint
// column (ports above 32767 stop the server at start), and Linux hands out ephemeral ports from
// 32768 up, so a port there may be taken by an outgoing connection a moment later.
import { isPortFree } from '../../workers/free-port';

const LOWEST = 10_000;
export const HIGHEST_PORT = 32_767;

/** `count` distinct free loopback ports in 10000-32767, picked at random. */
export async function freePorts(count: number, random: () => number = Math.random): Promise<number[]> {
  const chosen = new Set<number>();
  for (let tries = 0; chosen.size < count; tries++) {
    if (tries > 1000) throw new Error(`no ${count} free ports between ${LOWEST} and ${HIGHEST_PORT} on 127.0.0.1`);
    const port = LOWEST + Math.floor(random() * (HIGHEST_PORT - LOWEST + 1));
    if (!chosen.has(port) && (await isPortFree(port))) chosen.add(port);
  }
  return [...chosen];
}
