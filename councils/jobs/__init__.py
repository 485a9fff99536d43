"""Long staff work run in the background, with progress: see `councils.jobs.running`."""
