package dev.lectern.web;

import java.security.Principal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.server.ServerWebExchange;

import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.InferenceService;

/**
 * The API keys page: a signed-in user makes and revokes keys for the OpenAI-compatible API (the page's
 * script calls {@code /api/keys}) and sees how to point a client at it.
 */
@Controller
class KeysPageController {

    private final InferenceService inference;

    KeysPageController(InferenceService inference) {
        this.inference = inference;
    }

    @GetMapping("/keys")
    String keys(Principal principal, Model model, ServerWebExchange exchange) {
        EngineStatus engine = inference.status();
        String file = engine.ready() && engine.modelFile() != null
                ? java.nio.file.Path.of(engine.modelFile()).getFileName().toString() : null;
        model.addAttribute("username", principal.getName());
        // The address the browser used, so the examples work as pasted (behind a proxy too, if it keeps Host).
        var uri = exchange.getRequest().getURI();
        model.addAttribute("baseUrl", uri.getScheme() + "://" + uri.getRawAuthority() + "/v1");
        String id = file == null ? null : file.toLowerCase().endsWith(".gguf") ? file.substring(0, file.length() - 5) : file;
        model.addAttribute("modelId", id == null ? "(no model loaded)" : id);
        model.addAttribute("snippetModel", id == null ? "MODEL-ID" : id);
        return "keys";
    }
}
