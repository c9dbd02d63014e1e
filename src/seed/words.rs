//! The words of the generated desk: names, departments, tags, canned responses and the lines
//! customers and agents say.

use rand::prelude::*;
use rand::rngs::StdRng;

pub(super) const FIRST_NAMES: [&str; 32] = [
    "Thandi", "James", "Aisha", "Pieter", "Lerato", "Sipho", "Maria", "Chen", "Fatima", "John",
    "Anika", "Kofi", "Sofia", "Liam", "Nomvula", "Ravi", "Emma", "Tariq", "Zanele", "Lucas",
    "Ingrid", "Mateo", "Ama", "Noah", "Priya", "Jonas", "Lindiwe", "Omar", "Chloe", "Yusuf",
    "Hannah", "Bongani",
];
pub(super) const LAST_NAMES: [&str; 32] = [
    "Naidoo",
    "Smith",
    "Dlamini",
    "van der Merwe",
    "Khumalo",
    "Botha",
    "Nkosi",
    "Patel",
    "Mokoena",
    "Jacobs",
    "Williams",
    "Pillay",
    "Mahlangu",
    "Fourie",
    "Zulu",
    "Wang",
    "Okafor",
    "Mensah",
    "Garcia",
    "Müller",
    "Rossi",
    "Ahmed",
    "Kowalski",
    "Ndlovu",
    "Johnson",
    "Le Roux",
    "Sithole",
    "Chetty",
    "Adams",
    "Kruger",
    "Moloi",
    "Davids",
];
pub(super) const DEPARTMENT_NAMES: [&str; 12] = [
    "Sales",
    "Support",
    "Billing",
    "Technical",
    "Returns",
    "Accounts",
    "Deliveries",
    "Onboarding",
    "Partners",
    "Complaints",
    "VIP",
    "Insurance",
];
pub(super) const TOPIC_TAGS: [&str; 8] = [
    "Billing",
    "Delivery",
    "Returns",
    "Technical",
    "Account",
    "Complaint",
    "Sales lead",
    "Feedback",
];
pub(super) const OUTCOME_TAGS: [&str; 4] = ["Resolved", "Escalated", "Follow-up", "Refund issued"];
pub(super) const CANNED: [(&str, &str); 8] = [
    (
        "Greeting",
        "Hi #CUSTOMERNAME#, my name is #AGENTNAME#. How can I help you today?",
    ),
    (
        "One moment",
        "Thanks for your patience, #CUSTOMERNAME#. I'm looking into it now.",
    ),
    (
        "Order number",
        "Could you give me your order number, please?",
    ),
    (
        "Refund",
        "I've started the refund; it shows on your statement within 3 to 5 working days.",
    ),
    (
        "Courier",
        "Your parcel is with the courier and should reach you within two working days.",
    ),
    (
        "Password",
        "I've sent a password reset link to the address on your account.",
    ),
    (
        "Anything else",
        "Is there anything else I can help you with?",
    ),
    (
        "Goodbye",
        "Thank you for chatting with us, #CUSTOMERNAME#. Have a great day!",
    ),
];
pub(super) const OPENERS: [&str; 12] = [
    "Hi, I ordered something last week and it hasn't arrived yet. Order {order}.",
    "Hello, I was charged twice for order {order}",
    "Can I change the delivery address for order {order}?",
    "My password reset email never arrives",
    "I'd like to return the shoes I bought, they're too small. Order {order}",
    "Do you have the blue one in stock?",
    "The app crashes when I open my account page",
    "Hi there, I need an invoice for order {order} please",
    "Why was my card declined? I have enough money on it",
    "I want to cancel my subscription",
    "Hello? I need to speak to someone about my account",
    "The item I received for order {order} is damaged",
];
pub(super) const CUSTOMER_LINES: [&str; 10] = [
    "It's order {order}",
    "Yes, that's right",
    "The email is the one on my account",
    "Ok, I'll wait",
    "How long will that take?",
    "I already tried that and it didn't work",
    "Can you send me a confirmation?",
    "That would be great, thanks",
    "Sorry, I meant order {order}",
    "Is there a reference number for that?",
];
pub(super) const AGENT_LINES: [&str; 10] = [
    "I can see order {order} here. One moment please.",
    "I've refunded the duplicate charge; it shows within 3 to 5 working days.",
    "Could you confirm the email address on the account?",
    "I'm sorry about the delay. The courier has it and it's due tomorrow.",
    "I've sent a new reset link; please check your spam folder too.",
    "Done! I've updated that for you.",
    "Let me check with the warehouse.",
    "Your reference number is REF-{order}.",
    "I've escalated this to our technical team; they'll email you today.",
    "Thanks for waiting, I have an answer for you.",
];
pub(super) const NOTES: [&str; 4] = [
    "Customer was upset about the second delay; offered free delivery next time.",
    "Same issue as last week, see the earlier chat.",
    "Asked a supervisor about the refund limit.",
    "VIP customer: handle with priority.",
];
pub(super) const CLOSED_TEXT: &str = "This chat has been closed. Thank you for contacting us.";
pub(super) const TRANSFERRED_TEXT: &str =
    "You have been transferred to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue.";

/// A line from `lines` with a made-up order number filled in.
pub(super) fn line_from(rng: &mut StdRng, lines: &[&str]) -> String {
    let template = lines.choose(rng).copied().unwrap_or_default();
    template.replace("{order}", &rng.gen_range(10_000..100_000).to_string())
}

/// A first and a last name.
pub(super) fn person_name(rng: &mut StdRng) -> (String, String) {
    (
        FIRST_NAMES.choose(rng).copied().unwrap_or("Sam").to_owned(),
        LAST_NAMES
            .choose(rng)
            .copied()
            .unwrap_or("Jones")
            .to_owned(),
    )
}
