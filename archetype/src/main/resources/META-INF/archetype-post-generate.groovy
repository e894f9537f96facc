// Archetype resources lose their file modes: make the generated Maven wrapper executable again.
def project = new File(request.outputDirectory, request.artifactId)
new File(project, "mvnw").setExecutable(true, false)
