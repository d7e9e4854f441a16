package dev.lectern.admin;

import java.security.Principal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** {@code /admin}: the dashboard (ADMIN role). Its script reads everything from {@code /api/admin/stream}. */
@Controller
class AdminPageController {

    @GetMapping("/admin")
    String admin(Principal principal, Model model) {
        model.addAttribute("username", principal.getName());
        return "admin";
    }
}
