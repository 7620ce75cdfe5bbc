import SandboxLaunch

// The process the registry spawns for each product run; it only sets the run up, execs
// bubblewrap and supervises it, so it starts without Foundation or the registry's libraries.
SandboxLauncher.main(CommandLine.arguments)
