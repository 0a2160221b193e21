// Preloaded with --import through NODE_OPTIONS (which refuses --cpu-prof):
// profiles the whole process and writes a .cpuprofile, as --cpu-prof would,
// into $SHOAL_CPU_PROF_DIR when the process exits. The inspector session is
// on this thread, so its callbacks run synchronously, even in 'exit'.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.SHOAL_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
