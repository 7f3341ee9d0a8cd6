// Microphone -> 8 kHz: averages each run of input samples down to one (a box low-pass, then
// decimation), and posts 20 ms frames (160 samples) to the page.
class PhoneCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.step = options.processorOptions.rate / 8000;
    this.position = 0; this.sum = 0; this.count = 0;
    this.frame = new Float32Array(160); this.filled = 0;
  }
  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      this.sum += input[i]; this.count++; this.position++;
      if (this.position >= this.step) {
        this.position -= this.step;
        this.frame[this.filled++] = this.sum / this.count;
        this.sum = 0; this.count = 0;
        if (this.filled === 160) { this.port.postMessage(this.frame.slice()); this.filled = 0; }
      }
    }
    return true;
  }
}
registerProcessor("phone-capture", PhoneCapture);
