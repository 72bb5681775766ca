/** A growable list of int32 values (pixel indices, coordinates), doubling its storage as it fills:
 *  the mask floods and run codecs collect an unknown number of positions without a full-size
 *  array per call. */
export class IntList {
  private data = new Int32Array(1024);
  size = 0;

  push(v: number): void {
    if (this.size === this.data.length) {
      const grown = new Int32Array(this.size * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.size++] = v;
  }

  /** Removes and returns the last value (the list must not be empty). */
  pop(): number {
    return this.data[--this.size];
  }

  /** The values so far (a view: valid until the next push). */
  values(): Int32Array {
    return this.data.subarray(0, this.size);
  }
}
