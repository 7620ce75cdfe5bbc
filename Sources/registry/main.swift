import RegistryCommands
import Sandbox

// Becomes the sandbox launcher when re-executed for a product run; must come before anything else.
SandboxLauncher.runIfRequested()

await RegistryCLI.runAndExit()
