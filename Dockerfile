# syntax=docker/dockerfile:1
# Lectern image: built with the project's Maven wrapper on a JDK 25, run on a JRE 25 as a non-root user.
#   docker build -t lectern .
#   docker run -p 8080:8080 -v lectern-data:/var/lib/lectern -v /path/to/models:/models:ro \
#       -e LECTERN_MODEL_PATH=/models/Qwen3-4B-Instruct-2507-Q4_K_M.gguf lectern

ARG RUNTIME_IMAGE=eclipse-temurin:25-jre

FROM eclipse-temurin:25-jdk AS build
# A C compiler for the native CPU kernels (kernels/cpu); without it the build falls back to Vector API only.
# npm installs the browser's libraries (frontend/package.json: marked, DOMPurify) that the jar serves.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev nodejs npm >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so editing sources does not download them again.
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY db db
COPY kernels kernels
COPY frontend frontend
RUN ./mvnw -B -q -DskipTests package

FROM ${RUNTIME_IMAGE}
# The engine needs the Vector API module; some slimmed JREs leave incubator modules out. Fail the build
# here with the way out rather than at the first request (RUNTIME_IMAGE=eclipse-temurin:25-jdk works).
RUN java --list-modules | grep -q '^jdk.incubator.vector@' \
    || { echo "This Java runtime lacks jdk.incubator.vector; build with --build-arg RUNTIME_IMAGE=eclipse-temurin:25-jdk" >&2; exit 1; }
# Tesseract reads scanned pages and pictures (lectern.documents.ocr); add tesseract-ocr-deu, -fra, ... for
# other languages and list them in LECTERN_DOCUMENTS_OCR_LANGUAGES (eng+deu).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends tesseract-ocr >/dev/null \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system lectern \
    && useradd --system --gid lectern --home-dir /var/lib/lectern --shell /usr/sbin/nologin lectern \
    && mkdir -p /var/lib/lectern /models /opt/lectern \
    && chown lectern:lectern /var/lib/lectern
COPY --from=build /src/target/lectern.jar /opt/lectern/lectern.jar

ENV LECTERN_DATA_DIR=/var/lib/lectern
# Data (database when embedded, uploads, KV cache files) and model files live outside the image.
VOLUME ["/var/lib/lectern", "/models"]
EXPOSE 8080
USER lectern
WORKDIR /var/lib/lectern
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", \
            "-XX:MaxRAMPercentage=75", "-jar", "/opt/lectern/lectern.jar"]
CMD ["serve"]
