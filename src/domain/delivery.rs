//! Messages on their way to the customer: the states of a delivery row.

/// Where a message's delivery to the channel server is: 1 pending, 2 sending (leased to a worker),
/// 3 delivered, 4 failed for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Pending = 1,
    Sending = 2,
    Delivered = 3,
    Failed = 4,
}

impl DeliveryState {
    /// The stored number.
    pub const fn id(self) -> i16 {
        self as i16
    }

    /// Reads a stored number; an unknown one counts as pending.
    pub fn from_id(id: i16) -> Self {
        match id {
            2 => Self::Sending,
            3 => Self::Delivered,
            4 => Self::Failed,
            _ => Self::Pending,
        }
    }

    /// The name a message's `Delivery.State` shows.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}
