"""Local speech: audio codec and resampling, voice activity detection, speech to text, text to speech."""
