import { execFile } from 'node:child_process';
import { mkdtemp, rm, rmdir, statfs, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A small file system mounted for one scenario. */
export interface SmallDisk {
  readonly dir: string;
  /** How it was made: `tmpfs` or `loop`. */
  readonly kind: string;
  /** Bytes free now. */
  free(): Promise<number>;
  /** Fills the disk until `leaveBytes` are free (one filler file). */
  fill(leaveBytes: number): Promise<void>;
  /** Deletes the filler. */
  unfill(): Promise<void>;
  /** Unmounts and removes the mount point. */
  dispose(): Promise<void>;
}

/**
 * Mounts a `sizeMb` tmpfs (as root), or failing that a loop-mounted ext2 file; throws with
 * both reasons when neither is permitted.
 *
 * @example
 * ```ts
 * const disk = await mountSmallDisk(2);
 * await disk.fill(100_000);
 * ```
 */
export async function mountSmallDisk(sizeMb: number): Promise<SmallDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'chaos-disk-'));
  let kind = 'tmpfs';
  let image: string | undefined;
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  } catch (tmpfsError) {
    kind = 'loop';
    image = `${dir}.img`;
    try {
      await run('truncate', ['-s', `${sizeMb}M`, image]);
      await run('mkfs.ext2', ['-q', '-F', image]);
      await run('mount', ['-o', 'loop', image, dir]);
    } catch (loopError) {
      await rm(image, { force: true });
      await rmdir(dir).catch(() => undefined);
      const msg = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));
      throw new Error(
        `tmpfs mount failed (${msg(tmpfsError)}); loop mount failed (${msg(loopError)})`,
      );
    }
  }
  const filler = join(dir, 'filler.bin');
  const free = async () => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    kind,
    free,
    async fill(leaveBytes) {
      await writeFile(filler, Buffer.alloc(Math.max(0, (await free()) - leaveBytes)));
    },
    async unfill() {
      await unlink(filler).catch(() => undefined);
    },
    async dispose() {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]).catch(() => undefined));
      await rmdir(dir).catch(() => undefined);
      if (image) await rm(image, { force: true });
    },
  };
}
