// Opens a file with the platform's opener (`--open`), as a person double-clicking it would; the
// opener runs detached so the CLI ends at once.
import { spawn } from 'node:child_process';

export function openerFor(platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  // `start` is a cmd built-in; its first quoted argument is a window title.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

export function openFile(path: string): Promise<void> {
  const { command, args } = openerFor(process.platform);
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, path], { detached: true, stdio: 'ignore' });
    child.once('error', (error) => reject(new Error(`cannot open ${path} with ${command}: ${error.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
