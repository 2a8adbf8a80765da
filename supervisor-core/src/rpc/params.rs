//! Parameter checks every call goes through before it runs: the count (4.3 answers
//! `INCORRECT_PARAMETERS` when a method is called with too many or too few arguments) and the
//! XML-RPC type of each one (where 4.3 often fails with an HTTP 500, we answer
//! `INCORRECT_PARAMETERS` naming the parameter).
//!
//! ```
//! use event_proto::xmlrpc::Value;
//! use supervisor_core::rpc::{check_params, Fault, Method};
//!
//! assert!(check_params(Method::StartProcess, &[Value::from("web")]).is_ok());
//! let extra = [Value::Bool(true)];
//! assert_eq!(check_params(Method::Shutdown, &extra).unwrap_err().code(), Fault::INCORRECT_PARAMETERS);
//! assert!(check_params(Method::GetProcessInfo, &[Value::Int(5)]).is_err());
//! ```

use event_proto::xmlrpc::Value;

use super::{Fault, Method};

/// How many parameters a call of `method` may pass: (required, at most). The start and stop
/// calls take an optional trailing `wait`.
pub fn arity(method: Method) -> (usize, usize) {
    let all = method.signature().len() - 1;
    let optional_wait = matches!(
        method,
        Method::StartAllProcesses
            | Method::StartProcess
            | Method::StartProcessGroup
            | Method::StopAllProcesses
            | Method::StopProcess
            | Method::StopProcessGroup
    );
    (if optional_wait { all - 1 } else { all }, all)
}

/// Checks the count and the types of a call's parameters against `method`'s signature.
/// Beyond the declared types it accepts what 4.3 accepts as the same thing: an int or a name
/// for a signal, an int-like string for an int (4.3 calls `int()` on it), an int for a boolean.
pub fn check_params(method: Method, params: &[Value]) -> Result<(), Fault> {
    let (required, most) = arity(method);
    if params.len() < required || params.len() > most {
        return Err(Fault::IncorrectParameters(String::new()));
    }
    let signal_at = match method {
        Method::SignalAllProcesses => Some(0),
        Method::SignalProcess | Method::SignalProcessGroup => Some(1),
        _ => None,
    };
    for (i, (value, ty)) in params.iter().zip(&method.signature()[1..]).enumerate() {
        let fits = match (*ty, value) {
            (_, Value::Int(_) | Value::String(_)) if signal_at == Some(i) => true,
            ("string", Value::String(_)) => true,
            ("int", Value::Int(_)) => true,
            ("int", Value::String(s)) => s.trim().parse::<i64>().is_ok(),
            ("boolean", Value::Bool(_) | Value::Int(_)) => true,
            ("array", Value::Array(_)) => true,
            _ => false,
        };
        if !fits {
            // The two type faults 4.3 answers itself, with its texts.
            match (method, value) {
                (Method::Multicall, _) => return Err(Fault::IncorrectParameters(String::new())),
                (Method::SendProcessStdin, Value::Int(n)) => {
                    return Err(Fault::IncorrectParameters(n.to_string()))
                }
                (Method::SendProcessStdin, Value::Bool(b)) => {
                    return Err(Fault::IncorrectParameters(
                        if *b { "True" } else { "False" }.into(),
                    ))
                }
                _ => {}
            }
            return Err(Fault::IncorrectParameters(format!(
                "parameter {} must be {} {ty}",
                i + 1,
                if *ty == "array" || *ty == "int" {
                    "an"
                } else {
                    "a"
                }
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_refuses_one_argument_too_many() {
        for &m in Method::ALL {
            let (required, most) = arity(m);
            assert!(required <= most);
            let too_many = vec![Value::from("x"); most + 1];
            assert_eq!(
                check_params(m, &too_many),
                Err(Fault::IncorrectParameters(String::new())),
                "{}",
                m.wire()
            );
            if required > 0 {
                let too_few = vec![Value::from("x"); required - 1];
                assert!(check_params(m, &too_few).is_err(), "{}", m.wire());
            }
        }
    }

    #[test]
    fn types_as_4_3_reads_them() {
        let p = |v: &[Value]| check_params(Method::ReadLog, v);
        assert!(p(&[Value::Int(0), Value::from("10")]).is_ok());
        assert!(p(&[Value::Int(0), Value::from("ten")]).is_err());
        let sig = |v: Value| check_params(Method::SignalProcess, &[Value::from("a"), v]);
        assert!(sig(Value::Int(15)).is_ok());
        assert!(sig(Value::from("HUP")).is_ok());
        assert!(sig(Value::Array(vec![])).is_err());
        assert!(check_params(Method::StartProcess, &[Value::from("a"), Value::Int(0)]).is_ok());
        assert_eq!(
            check_params(Method::ReadLog, &[Value::Int(0), Value::Bool(true)])
                .expect_err("a fault")
                .text(),
            "INCORRECT_PARAMETERS: parameter 2 must be an int"
        );
        let stdin = [Value::from("cat"), Value::Int(5)];
        assert_eq!(
            check_params(Method::SendProcessStdin, &stdin)
                .expect_err("a fault")
                .text(),
            "INCORRECT_PARAMETERS: 5"
        );
    }
}
