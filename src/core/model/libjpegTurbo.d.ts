// The parts of @cornerstonejs/codec-libjpeg-turbo-8bit's Emscripten module that SegLab uses.
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  export interface JpegFrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
  }
  export interface JpegDecoder {
    /** A view into the module's memory of `length` bytes, to copy the JPEG into. */
    getEncodedBuffer(length: number): Uint8Array;
    readHeader(): void;
    getFrameInfo(): JpegFrameInfo;
    decode(): void;
    /** Interleaved 8-bit samples, a view into the module's memory (valid until the next call). */
    getDecodedBuffer(): Uint8Array;
    delete(): void;
  }
  export interface LibJpegTurbo {
    JPEGDecoder: new () => JpegDecoder;
  }
  const factory: (options?: object) => Promise<LibJpegTurbo>;
  export default factory;
}
