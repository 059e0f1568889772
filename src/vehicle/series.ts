/**
 * Column-oriented, growable time series. Runs produce hundreds of thousands of samples, so each
 * column is one typed array that doubles when full: appending a sample allocates nothing.
 * Every series carries both clocks as its first two columns: `vehicleMs` and `hostMs`.
 */

type ColumnKind = 'f64' | 'f32';
type ColumnArray = Float64Array | Float32Array;

export interface SeriesSpec<C extends string> {
  name: string;
  /** Value columns after the two time columns. f32 where the source is a float32 anyway. */
  columns: Record<C, ColumnKind>;
}

/** The filled part of a series: views (not copies) of each column, `length` rows long. */
export type SeriesColumns<C extends string> = { readonly length: number; readonly vehicleMs: Float64Array; readonly hostMs: Float64Array } & {
  readonly [K in C]: ColumnArray;
};

const INITIAL_CAPACITY = 1024;

export class Series<C extends string = string> {
  readonly name: string;
  readonly columnNames: readonly ('vehicleMs' | 'hostMs' | C)[];
  private readonly kinds: ColumnKind[];
  private arrays: ColumnArray[];
  private length_ = 0;
  private capacity: number;

  constructor(spec: SeriesSpec<C>, capacity = INITIAL_CAPACITY) {
    this.name = spec.name;
    const names = Object.keys(spec.columns) as C[];
    this.columnNames = ['vehicleMs', 'hostMs', ...names];
    this.kinds = ['f64', 'f64', ...names.map((n) => spec.columns[n])];
    this.capacity = capacity;
    this.arrays = this.kinds.map((k) => (k === 'f64' ? new Float64Array(capacity) : new Float32Array(capacity)));
  }

  get length(): number {
    return this.length_;
  }

  /**
   * Starts a row and returns its index; fill it with `set(col, row, value)` in column order.
   * The time columns are filled here.
   */
  beginRow(vehicleMs: number, hostMs: number): number {
    if (this.length_ === this.capacity) this.grow();
    const row = this.length_++;
    this.arrays[0]![row] = vehicleMs;
    this.arrays[1]![row] = hostMs;
    return row;
  }

  /** Sets value column `index` (0 = the first value column after the times) of a row. */
  set(index: number, row: number, value: number): void {
    this.arrays[index + 2]![row] = value;
  }

  /** One value; `column` by name. */
  get(column: string, row: number): number {
    const i = (this.columnNames as readonly string[]).indexOf(column);
    if (i < 0) throw new RangeError(`series ${this.name} has no column "${column}" (columns: ${this.columnNames.join(', ')})`);
    return this.arrays[i]![row]!;
  }

  /** One row as a plain object (allocates: for recorders and debugging, not the hot path). */
  row(row: number): Record<'vehicleMs' | 'hostMs' | C, number> {
    const out = {} as Record<string, number>;
    for (let i = 0; i < this.columnNames.length; i++) out[this.columnNames[i]!] = this.arrays[i]![row]!;
    return out as Record<'vehicleMs' | 'hostMs' | C, number>;
  }

  /** Views of the filled part of every column (valid until the next append grows the arrays). */
  columns(): SeriesColumns<C> {
    const out: Record<string, unknown> = { length: this.length_ };
    for (let i = 0; i < this.columnNames.length; i++) out[this.columnNames[i]!] = this.arrays[i]!.subarray(0, this.length_);
    return out as SeriesColumns<C>;
  }

  clear(): void {
    this.length_ = 0;
  }

  private grow(): void {
    this.capacity *= 2;
    this.arrays = this.arrays.map((old, i) => {
      const next = this.kinds[i] === 'f64' ? new Float64Array(this.capacity) : new Float32Array(this.capacity);
      next.set(old);
      return next;
    });
  }
}
