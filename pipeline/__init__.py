"""pipeline: renders scenes, assembles audio, subtitles and chapters into the final MP4."""
