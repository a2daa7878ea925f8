/** Linear samples on the 16-bit scale, in whichever typed array the caller works with. */
export type Samples = Float64Array | Float32Array | Int16Array;
