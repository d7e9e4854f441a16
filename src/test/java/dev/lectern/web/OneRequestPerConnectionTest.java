package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.lectern.LecternIntegrationTest;

/** See {@link OneRequestPerConnection}: a kept-alive connection could stall; each answer (a refusal too) ends its connection. */
class OneRequestPerConnectionTest extends LecternIntegrationTest {

    @Test
    void theServerSaysCloseAndClosesAfterEachAnswer() throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /api/me HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // Everything up to the end of the stream: the server closes, so this returns rather than times out.
            String answer = new String(readToEnd(socket.getInputStream()), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
        }
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
