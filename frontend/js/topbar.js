// At phone widths the top bar's links fold into a menu behind the account button (see lectern.css);
// this opens it, and closes it on a click elsewhere, on Escape, or when the window grows wide again.
const toggle = document.querySelector('.account-toggle');
const menu = document.getElementById('account-menu');

if (toggle && menu) {
    const setOpen = open => {
        menu.classList.toggle('open', open);
        toggle.setAttribute('aria-expanded', String(open));
    };
    toggle.addEventListener('click', event => {
        event.stopPropagation();
        setOpen(!menu.classList.contains('open'));
    });
    document.addEventListener('click', event => {
        if (menu.classList.contains('open') && !menu.contains(event.target)) {
            setOpen(false);
        }
    });
    document.addEventListener('keydown', event => {
        if (event.key === 'Escape' && menu.classList.contains('open')) {
            setOpen(false);
            toggle.focus();
        }
    });
    matchMedia('(min-width: 721px)').addEventListener('change', wide => {
        if (wide.matches) {
            setOpen(false);
        }
    });
}
