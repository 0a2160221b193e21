import type { Config } from '../config.js';
import { Memberlist } from '../memberlist.js';
import { NetTransport, type NetTransportConfig } from './net-transport.js';

/**
 * Go's Create without a custom transport: binds a NetTransport on
 * config.bindAddr:bindPort (port 0 picks a free port, which then becomes the
 * bind and, unless set, the advertise port) and starts the member on it.
 */
export async function createNetMemberlist(config: Config, transportOptions: Omit<NetTransportConfig, 'bindAddrs' | 'bindPort'> = {}): Promise<Memberlist> {
  if (config.transport) return Memberlist.create(config);
  const transport = await NetTransport.create({
    bindAddrs: [config.bindAddr],
    bindPort: config.bindPort,
    clock: config.clock,
    logger: config.logger,
    metrics: config.metrics,
    cidrsAllowed: config.cidrsAllowed,
    ...transportOptions,
  });
  const autoPort = config.bindPort === 0;
  try {
    return await Memberlist.create({
      ...config,
      transport,
      bindPort: transport.port,
      advertisePort: autoPort && (config.advertisePort === 0 || config.advertisePort === config.bindPort) ? transport.port : config.advertisePort,
    });
  } catch (error) {
    await transport.shutdown();
    throw error;
  }
}
