// Preloaded (`node --import`) into a CLI run by the input bench: at exit, writes the process's CPU
// time and peak RSS as one JSON line to fd 3.
import { writeSync } from 'node:fs';

const started = process.hrtime.bigint();
process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(
    3,
    `${JSON.stringify({
      wallMs: Number(process.hrtime.bigint() - started) / 1e6,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      peakRssMb: usage.maxRSS / 1024,
    })}\n`,
  );
});
