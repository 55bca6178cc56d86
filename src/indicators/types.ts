/** The price/volume series an indicator may read. */
export type InputName = 'open' | 'high' | 'low' | 'close' | 'volume';

/** Column-wise bars: one `Float64Array` per field, all the same length, oldest first. */
export type Bars = Record<InputName, Float64Array>;

/** High, low and close columns. */
export type HlcBars = Pick<Bars, 'high' | 'low' | 'close'>;

/** High, low, close and volume columns. */
export type HlcvBars = Pick<Bars, 'high' | 'low' | 'close' | 'volume'>;

/** One bar's values, as fed to a streaming indicator. */
export type BarValues = Record<InputName, number>;
