/** The resident memory of this process (the stack's API and worker run in it) while a benchmark waits. */

export interface RssFigures {
  beforeMiB: number;
  peakMiB: number;
  lastMiB: number;
  /** Every sample, MiB, for the JSON. */
  samplesMiB: number[];
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Samples RSS every `everyMs` until `stop()`, which returns what it saw. */
export function sampleRss(everyMs = 500): { stop(): RssFigures } {
  const samples = [mib(process.memoryUsage.rss())];
  const timer = setInterval(() => samples.push(mib(process.memoryUsage.rss())), everyMs);
  timer.unref(); // a benchmark that fails before stop() must not keep the suite from exiting
  return {
    stop() {
      clearInterval(timer);
      samples.push(mib(process.memoryUsage.rss()));
      return { beforeMiB: samples[0]!, peakMiB: Math.max(...samples), lastMiB: samples[samples.length - 1]!, samplesMiB: samples };
    },
  };
}

export const rssSummary = (rss: RssFigures) => `RSS ${rss.beforeMiB} → peak ${rss.peakMiB} → ${rss.lastMiB} MiB`;
