import Foundation
import PackagePlugin

/// Compiles `openapi/conveyor.json` into ConveyorServer, so `GET /openapi.json` serves the
/// repository's one copy of the contract byte for byte, and a binary copied on its own
/// (without a resource bundle beside it) still serves it.
@main
struct EmbedOpenAPI: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "openapi/conveyor.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocument+Embedded.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi/conveyor.json",
                executable: try context.tool(named: "openapi-embed").url,
                arguments: [input.path, output.path],
                inputFiles: [input],
                outputFiles: [output])
        ]
    }
}
