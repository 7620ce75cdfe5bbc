import RegistryCommands

await RegistryCLI.runAndExit()
