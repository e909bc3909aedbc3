import type { ImapFlow } from 'imapflow';
// imapflow's own command compiler (package export `imapflow/lib/*`), pinned with the version below.
import { compiler } from 'imapflow/lib/handler/imap-handler.js';

/**
 * imapflow 2.10.2 sends every literal above 4 KiB as a synchronising literal even when the
 * server announces LITERAL+ (it only passes `literalMinus` to its compiler), which costs one
 * round trip per message, also inside a MULTIAPPEND (notes/cyrus.md §6.2.3: 2.9x slower at
 * 2.8 ms RTT). For APPEND only, this sends the command with non-synchronising literals, exactly
 * as imapflow's `send()` would otherwise. Applied only to the version it was written against.
 */
const PATCHED_VERSION = '2.10.2';

interface SendData {
  tag: string;
  command: string;
  attributes?: unknown;
  options?: { onSend?: () => void };
}

interface FlowInternals {
  send(data: SendData): Promise<void>;
  write(chunk: unknown): void;
  capabilities: Map<string, unknown>;
  state: unknown;
  states: { LOGOUT: unknown };
  commandParts: unknown[];
  currentRequest?: { tag: string; sent?: boolean } | null;
  rawSensitiveCommand?: boolean;
}

function imapflowVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('imapflow/package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}

const version = imapflowVersion();

/** True when the patch applies to the installed imapflow. */
export const literalPlusPatchAvailable =
  version === PATCHED_VERSION && typeof compiler === 'function';

/** Makes `client` send APPEND literals as LITERAL+ when the server supports it. */
export function useLiteralPlusForAppend(client: ImapFlow): boolean {
  if (!literalPlusPatchAvailable) return false;
  const flow = client as unknown as FlowInternals;
  const original = flow.send.bind(flow);
  flow.send = async function patchedSend(this: FlowInternals, data: SendData): Promise<void> {
    if (
      typeof data.command !== 'string' ||
      data.command.toUpperCase() !== 'APPEND' ||
      !this.capabilities.has('LITERAL+') ||
      this.state === this.states.LOGOUT
    ) {
      return original(data);
    }
    this.rawSensitiveCommand = false;
    this.commandParts = compiler(data as Parameters<typeof compiler>[0], {
      asArray: true,
      literalPlus: true,
    });
    this.write(this.commandParts.shift());
    if (this.currentRequest && this.currentRequest.tag === data.tag)
      this.currentRequest.sent = true;
    data.options?.onSend?.();
    return Promise.resolve();
  };
  return true;
}
