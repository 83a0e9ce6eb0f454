//! The decode Worker's entry point: starts listening; everything else lives in the library
//! (`second_ear::browser::decode_worker`).

fn main() {
    console_error_panic_hook::set_once();
    second_ear::browser::decode_worker::run();
}
