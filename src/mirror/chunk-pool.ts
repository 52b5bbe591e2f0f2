/**
 * The chunk buffers streaming responses send through (send-file.ts), managed so that memory
 * returns to the system after a burst of clients. Chunks are cut from slabs of 33 MiB: above
 * glibc's largest mmap threshold (32 MiB), so every slab is its own mapping and freeing it
 * unmaps it, where thousands of separate 64 KiB buffers would leave a fragmented heap that is
 * never trimmed. Only pages a chunk has used become resident. When the last stream of a burst
 * ends, free slabs are dropped and one full collection is asked for, since an idle V8 may not
 * collect them for a long time.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Chunk {
  readonly buf: Buffer;
  release(): void;
}

interface Slab {
  readonly mem: Buffer;
  readonly free: number[];
}

/** Open streams that count as a burst worth a collection once they are all gone. */
const burst = 32;
const collectDelayMs = 1000;

export function chunkPool(chunkSize: number, slabBytes = 33 * 1024 * 1024, maxOpen = Infinity): { take(): Chunk; tryTake(): Chunk | undefined } {
  const perSlab = Math.floor(slabBytes / chunkSize);
  const slabs: Slab[] = [];
  let open = 0;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;

  const newSlab = (): Slab => {
    const slab = { mem: Buffer.allocUnsafeSlow(perSlab * chunkSize), free: Array.from({ length: perSlab }, (_, i) => perSlab - 1 - i) };
    slabs.push(slab);
    return slab;
  };

  const afterBurst = (): void => {
    timer = undefined;
    if (open > 0) return;
    peak = 0;
    slabs.length = 0; // every chunk is back: drop the slabs, the collection unmaps them
    fullCollection();
  };

  const take = (): Chunk => {
    const slab = slabs.find((s) => s.free.length > 0) ?? newSlab();
    const index = slab.free.pop()!;
    open++;
    peak = Math.max(peak, open);
    let released = false;
    return {
      buf: slab.mem.subarray(index * chunkSize, (index + 1) * chunkSize),
      release: () => {
        if (released) return;
        released = true;
        slab.free.push(index);
        open--;
        if (open > 0 || peak < burst || timer) return;
        timer = setTimeout(afterBurst, collectDelayMs);
        timer.unref();
      },
    };
  };
  return {
    take,
    /** A chunk while fewer than maxOpen are out; undefined past that bound. */
    tryTake: () => (open < maxOpen ? take() : undefined),
  };
}

let collect: (() => void) | undefined;

/** V8's gc(), made available without starting Node with --expose-gc. */
function fullCollection(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
